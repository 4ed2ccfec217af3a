"""Where the lab keeps its files: one data folder, with the run store, exports and image sets.

LAB_DATA_DIR moves the whole folder (default $XDG_DATA_HOME/dl-lab, i.e. ~/.local/share/dl-lab);
LAB_RUNS_DB, LAB_EXPORT_DIR and LAB_DATASETS_DIR move one part of it each.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The lab's data folder: LAB_DATA_DIR, else $XDG_DATA_HOME/dl-lab (~/.local/share/dl-lab)."""
    if env := os.environ.get("LAB_DATA_DIR"):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dl-lab"


def runs_db() -> Path:
    """The run store file: LAB_RUNS_DB, else runs.sqlite in data_dir()."""
    if env := os.environ.get("LAB_RUNS_DB"):
        return Path(env).expanduser()
    return data_dir() / "runs.sqlite"


def export_dir() -> Path:
    """Where TensorBoard exports go: LAB_EXPORT_DIR, else tensorboard/ in data_dir()."""
    return Path(os.environ.get("LAB_EXPORT_DIR") or data_dir() / "tensorboard")


def datasets_dir() -> Path:
    """Where downloaded image sets live: LAB_DATASETS_DIR, else datasets/ in data_dir()."""
    if env := os.environ.get("LAB_DATASETS_DIR"):
        return Path(env).expanduser()
    return data_dir() / "datasets"
