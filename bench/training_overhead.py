"""What recording costs: the lab's trainer (all probes on, as the page runs it) against a plain
torch loop (forward, loss, backward, step) on the same model, data and batch order.

Runs alternate (plain, trainer, plain, ...) so machine noise hits both alike; each is timed
in CPU seconds of this process (one torch thread), which leaves out the time the process was
not running; the figure is the median of the per-pair ratios (this machine is shared: single
pairs vary by +-20%). Also reports the seconds from pressing Train to the first chart redraw
on the page's default config, and that run's total time.

    python bench/training_overhead.py [--runs 15] [--epochs 5] [--instructions]
Last line: overhead_ratio=<median trainer/plain>  (target <= 1.05)
With --instructions (valgrind, ~15 minutes): the same comparison in CPU instructions, which this
shared machine's load does not move (CPU time here spreads by +-10% from run to run); last line
overhead_instructions_ratio=<(trainer - startup) / (plain - startup)>.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.base import malloc  # noqa: E402
from core.contract.config import MLPConfig  # noqa: E402
from core.engine.reference import plain_train  # noqa: E402
from core.engine.training import data_for, train  # noqa: E402


def plain_loop(cfg: MLPConfig) -> float:
    """The baseline: core.engine.reference.plain_train (the trainer's oracle) on the same model, data
    and batch order, nothing recorded. CPU seconds, from data to the last epoch."""
    start = time.process_time()
    plain_train(cfg, data_for(cfg))
    return time.process_time() - start


def recorded_loop(cfg: MLPConfig) -> float:
    """The lab's trainer with every probe on, from data to the last epoch. CPU seconds."""
    start = time.process_time()
    train(cfg, split=data_for(cfg))
    return time.process_time() - start


def time_to_first_redraw(cfg: MLPConfig) -> tuple[float, float]:
    """Seconds from Train to the first epoch's charts built and serialised as the page sends
    them (data, model, epoch 1, findings, five figures to JSON), and the whole run's seconds.
    This is the server's share; the browser's drawing comes on top."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from core.engine.insights import gradient_finding, overfit_finding
    from core.engine.training import History
    from ui.labs import training_charts as charts
    from ui.labs.mlp_charts import decision_figure

    first = {}
    start = time.perf_counter()
    split = data_for(cfg)
    history = History(config={}, layers=[])

    def on_epoch(_record: dict) -> None:
        if not first:
            gradient_finding(history)
            figures = [
                charts.loss_figure(history, overfit_finding(history)),
                charts.grad_heatmap_figure(history),
                charts.grad_lines_figure(history),
                decision_figure(history, split),
                charts.activation_figure(history),
            ]
            for fig in figures:  # what st.plotly_chart does with them (ui/common/plot.py)
                pio.to_json(go.Figure(fig, _validate=False).to_dict(), validate=False)
            first["t"] = time.perf_counter() - start

    train(cfg, split=split, on_epoch=on_epoch, history=history)
    return first["t"], time.perf_counter() - start


def only(mode: str, repeats: int) -> None:
    """One side of the instruction count: start up, then `mode` `repeats` times."""
    cfg = bench_config(5)
    split = data_for(cfg)
    tiny = MLPConfig(n_samples=40, depth=1, width=4, epochs=1)
    train(tiny), plain_train(tiny, data_for(tiny))  # both paths' lazy imports, in every mode
    for _ in range(repeats):
        if mode == "plain":
            plain_train(cfg, split)
        elif mode == "trainer":
            train(cfg, split=split)


def instruction_ratio(repeats: int = 2) -> float | None:
    """(trainer - startup) / (plain - startup) in instructions counted by callgrind, each side in
    its own process; None without valgrind."""
    if shutil.which("valgrind") is None:
        print("valgrind not found: no instruction count")
        return None
    counts = {}
    for mode in ("none", "plain", "trainer"):
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
        out = subprocess.run(
            cmd + ["--only", mode, "--repeats", str(repeats)], capture_output=True, text=True
        )
        line = next((ln for ln in out.stderr.splitlines() if "Collected :" in ln), "")
        counts[mode] = int(line.split(":")[-1].strip())
        print(f"{mode}: {counts[mode] / 1e9:.3f} G instructions")
    return (counts["trainer"] - counts["none"]) / (counts["plain"] - counts["none"])


def bench_config(epochs: int) -> MLPConfig:
    return MLPConfig(
        dataset="spiral", n_samples=2000, depth=10, width=64, batch_size=32, epochs=epochs, activation="relu"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="torch threads, as the app sets them")
    p.add_argument("--instructions", action="store_true", help="count instructions with valgrind")
    p.add_argument("--only", choices=("none", "plain", "trainer"), help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, default=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    malloc.tune()  # as the lab's training processes run (core/serving/workers.py); both sides alike
    if a.only:
        return only(a.only, a.repeats)
    if a.instructions:
        ratio = instruction_ratio()
        if ratio is not None:
            print(f"overhead_instructions_ratio={ratio:.3f}")
        return None
    cfg = bench_config(a.epochs)
    print(
        f"config: depth {cfg.depth}, width {cfg.width}, {cfg.dataset} {cfg.n_samples} points, "
        f"batch {cfg.batch_size}, {cfg.epochs} epochs, {a.threads} torch thread(s)"
    )
    plain_loop(cfg), recorded_loop(cfg)  # warm-up: first calls pay for lazy init
    ratios = []
    for i in range(a.runs):
        tp = plain_loop(cfg)
        tr = recorded_loop(cfg)
        ratios.append(tr / tp)
        print(f"run {i + 1}: plain {tp:.3f} s, trainer {tr:.3f} s (CPU), ratio {tr / tp:.3f}")
    default = MLPConfig()
    t_first, t_total = time_to_first_redraw(default)
    print(
        f"default config ({default.epochs} epochs): first redraw after {t_first:.3f} s, "
        f"whole run {t_total:.2f} s"
    )
    print(f"first_redraw_seconds={t_first:.3f}")
    print(f"overhead_ratio={statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
