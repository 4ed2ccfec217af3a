"""Shared setup for the core/ tests: make the repo root importable whichever way pytest is run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (the folder holding core/)."""
    return ROOT


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The nets here are tiny: one intra-op thread is faster than two fighting over a busy CPU."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
