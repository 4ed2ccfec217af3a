"""A second writer for the run-store concurrency tests (stdlib only, no torch, so it starts fast).

    python tests/core/helper_store_writer.py DB GO_FILE TAG N

Opens the store at DB, files one run through a Recorder, waits until GO_FILE exists (so every
writer starts together), then commits N epochs one by one and finishes the run. Prints
"<run id> <start> <end>" (wall-clock seconds) on success; exits non-zero with the error on stderr.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.runs.recorder import Recorder  # noqa: E402
from core.runs.store import open_store  # noqa: E402

LAYERS = ["layer1", "layer2", "out"]


def record(tag: int, epoch: int) -> dict:
    """A distinct, exactly representable epoch record for writer `tag`."""
    base = tag * 1000 + epoch
    return {
        "epoch": epoch,
        "train_loss": 1.0 / base,
        "val_loss": 2.0 / base,
        "train_acc": (epoch % 10) / 10,
        "val_acc": (tag % 10) / 10,
        "seconds": epoch / 64,
        "grad_norm": {n: base * (i + 1) / 1024 for i, n in enumerate(LAYERS)},
        "grad_rms": {n: base * (i + 1) / 4096 for i, n in enumerate(LAYERS)},
    }


def main(argv: list[str]) -> int:
    db, go, tag, n = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    store, warning = open_store(db)
    if warning:
        print(warning, file=sys.stderr)
        return 3
    rec = Recorder(store, "mlp", {"tag": tag}, name=f"writer{tag}", group="concurrent")
    deadline = time.monotonic() + 60
    while not go.exists():
        if time.monotonic() > deadline:
            print("timed out waiting for the go file", file=sys.stderr)
            return 4
        time.sleep(0.002)
    start = time.time()
    for epoch in range(1, n + 1):
        rec.on_epoch(record(tag, epoch))
    end = time.time()
    rec.finish(SimpleNamespace(status="finished", seconds=end - start, message="", derived={}))
    print(rec.run_id, start, end)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
