"""The example runs shipped with the app: three one-click comparisons, trained once and kept as
a JSON export (gallery/examples.json), shown read-only on the Compare page to every visitor.

`python -m core gallery` trains them again and rewrites the file; a test retrains one of them
and checks the shipped numbers are what the code gives today.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.contract.config import MLPConfig
from core.runs.compare import COMPARISONS, run_plan
from core.runs.export import to_json
from core.runs.store import RunStore

PATH = Path(__file__).resolve().parents[2] / "gallery" / "examples.json"
EXAMPLES = ("sigmoid_relu", "dropout", "depth_sweep")  # comparison keys, in the order shown
BASE = MLPConfig(depth=10, epochs=30)  # the Compare page's defaults


def build() -> str:
    """Train every example comparison from the page's defaults; the export as JSON text."""
    store = RunStore(":memory:")
    for key in EXAMPLES:
        run_plan(store, key, COMPARISONS[key].plan(BASE))
    runs = [store.load(r["id"], detail=False) for r in reversed(store.list(limit=10_000))]
    for run in runs:
        run.pop("id")
    return to_json(runs)


def load(path: Path = PATH) -> RunStore:
    """The shipped examples in a read-only-by-use in-memory store (empty when the file is missing)."""
    store = RunStore(":memory:")
    if path.is_file():
        store.import_runs(json.loads(path.read_text()), suffix="")
    return store
