"""The run store's costs: (1) the Compare page's default one-click comparison (sigmoid vs ReLU,
depth 10, 30 epochs) end to end into a real SQLite file, target within 10 s; (2) what keeping
a run epoch by epoch adds to training, against the same run without a store, alternating runs,
median ratio, target under 1.05.

    python bench/store.py [--runs 9]
Last line: store_overhead_ratio=<median with-store / without>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.contract.config import MLPConfig  # noqa: E402
from core.engine.training import History, data_for, train  # noqa: E402
from core.runs.compare import COMPARISONS, run_plan  # noqa: E402
from core.runs.recorder import Recorder  # noqa: E402
from core.runs.store import RunStore  # noqa: E402


def default_comparison(store: RunStore) -> float:
    """Seconds for the page's default comparison (its Run button with the default sliders)."""
    start = time.perf_counter()
    plan = COMPARISONS["sigmoid_relu"].plan(MLPConfig(depth=10, epochs=30))
    group = run_plan(store, "sigmoid_relu", plan)
    seconds = time.perf_counter() - start
    assert len(store.list(group=group)) == len(plan)
    return seconds


def one_run(cfg: MLPConfig, store: RunStore | None) -> float:
    """CPU seconds of one training run, kept in the store or not."""
    split = data_for(cfg)
    start = time.process_time()
    history = History(config={}, layers=[])
    if store is None:
        train(cfg, split=split, history=history)
    else:
        rec = Recorder(store, "mlp", asdict(cfg))
        train(cfg, split=split, history=history, on_epoch=lambda r: rec.on_epoch(r, history.layers))
        rec.finish(history)
    return time.process_time() - start


def compare_render(store: RunStore, n_runs: int = 20, n_epochs: int = 500) -> float:
    """Seconds for the Compare page's side-by-side views of 20 runs of 500 epochs: load from
    the store, build the overlaid curves, ratio and heatmap-grid figures, serialise them."""
    import random

    from ui.compare import compare_charts

    rng = random.Random(0)
    layers = [f"layer{i}" for i in range(1, 11)] + ["out"]
    ids = []
    for r in range(n_runs):  # synthetic epochs with the trainer's record shape
        run_id = store.create("mlp", asdict(MLPConfig(seed=r)), layers, name=f"bench {r}")
        for e in range(1, n_epochs + 1):
            rec = {
                "epoch": e,
                "seconds": e * 0.01,
                "grad_norm": {n: rng.random() for n in layers},
                **{k: rng.random() for k in ("train_loss", "val_loss", "train_acc", "val_acc")},
            }
            store.add_epoch(run_id, rec, layers)
        store.finish(run_id, "finished", 1.0)
        ids.append(run_id)
    start = time.perf_counter()
    runs = [store.load(i, detail=False) for i in ids]
    for fig in (
        compare_charts.curves_figure(runs, "loss", 0.6),
        compare_charts.ratio_figure(runs),
        compare_charts.grad_grid_figure(runs),
    ):
        fig.to_json()
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=9)
    a = p.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        store = RunStore(Path(tmp) / "runs.sqlite")
        seconds = default_comparison(store)
        print(f"default comparison (sigmoid vs ReLU, depth 10, 30 epochs, stored): {seconds:.2f} s")
        cfg = MLPConfig(epochs=20)  # the MLP lab's default config, 20 epochs
        one_run(cfg, None), one_run(cfg, store)  # warm-up
        ratios = []
        for i in range(a.runs):
            bare, kept = one_run(cfg, None), one_run(cfg, store)
            ratios.append(kept / bare)
            print(
                f"run {i + 1}: without store {bare:.3f} s, with store {kept:.3f} s (CPU), "
                f"ratio {kept / bare:.3f}"
            )
        render = compare_render(store)
        print(f"Compare views for 20 runs x 500 epochs (load + figures + JSON): {render:.2f} s")
        size = (Path(tmp) / "runs.sqlite").stat().st_size + sum(
            f.stat().st_size for f in Path(tmp).glob("runs.sqlite-*")
        )
        print(f"store file after {len(store.list())} runs: {size / 1e6:.1f} MB")
    print(f"comparison_seconds={seconds:.2f}")
    print(f"store_overhead_ratio={statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
