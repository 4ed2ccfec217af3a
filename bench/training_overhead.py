"""What recording costs: the lab's trainer (all probes on, as the page runs it) against the plain
torch loop a user would write (forward, loss, backward, step; then the validation set's loss and
accuracy once per epoch, as pytorch/examples' mnist does) on the same model, data and batch order.
The ratio is the lab's recording alone: per-step gradient norms, the training sample's loss and
accuracy, activation statistics, histograms.

Runs alternate (plain, trainer, plain, ...) so machine noise hits both alike; each is timed
in CPU seconds of this process (one torch thread), which leaves out the time the process was
not running; the figure is the median of the per-pair ratios (this machine is shared: single
pairs vary by +-20%). Also reports the seconds from pressing Train to the first chart redraw
on the page's default config, and that run's total time.

    python bench/training_overhead.py [--runs 15] [--epochs 5] [--quick]
Last line: overhead_ratio=<(trainer - startup) / (plain - startup) in CPU instructions>  (target
<= 1.05), counted by valgrind's callgrind (~10 minutes; the three processes run side by side),
which this shared machine's load does not move (CPU time here spreads by +-15% from run to run).
With --quick, or without valgrind, the last line is the median of the CPU-time pairs instead.
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
    and batch order, the validation loss and accuracy once per epoch and nothing else. CPU
    seconds, from data to the last epoch."""
    start = time.process_time()
    plain_train(cfg, data_for(cfg), val_acc=True)
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
    train(tiny), plain_train(tiny, data_for(tiny), val_acc=True)  # both paths' lazy imports, every mode
    for _ in range(repeats):
        if mode == "plain":
            plain_train(cfg, split, val_acc=True)
        elif mode == "trainer":
            train(cfg, split=split)


def instruction_ratio(repeats: int = 2) -> float | None:
    """(trainer - startup) / (plain - startup) in instructions counted by callgrind, each side in
    its own process; None without valgrind."""
    if shutil.which("valgrind") is None:
        print("valgrind not found: no instruction count")
        return None
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    procs = {  # side by side: a count does not depend on what else runs
        mode: subprocess.Popen(
            cmd + ["--only", mode, "--repeats", str(repeats)], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        for mode in ("none", "plain", "trainer")
    }  # fmt: skip
    counts = {}
    for mode, proc in procs.items():
        _out, err = proc.communicate()
        line = next((ln for ln in err.splitlines() if "Collected :" in ln), "")
        if proc.returncode != 0 or not line:
            print(f"valgrind could not count {mode} ({err.strip()[-200:]})")
            return None
        counts[mode] = int(line.split(":")[-1].strip())
    plain, trainer = counts["plain"] - counts["none"], counts["trainer"] - counts["none"]
    print(
        f"instructions ({repeats} runs each, startup {counts['none'] / 1e9:.2f} G subtracted): "
        f"plain {plain / 1e9:.3f} G, trainer {trainer / 1e9:.3f} G"
    )
    return trainer / plain


def bench_config(epochs: int) -> MLPConfig:
    return MLPConfig(
        dataset="spiral", n_samples=2000, depth=10, width=64, batch_size=32, epochs=epochs, activation="relu"
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1, help="torch threads, as the app sets them")
    p.add_argument("--quick", action="store_true", help="CPU time only, no instruction count")
    p.add_argument("--only", choices=("none", "plain", "trainer"), help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=int, default=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    malloc.tune()  # as the lab's training processes run (core/serving/workers.py); both sides alike
    if a.only:
        return only(a.only, a.repeats)
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
    median = statistics.median(ratios)
    print(f"CPU-time pairs: median ratio {median:.3f}")
    counted = None if a.quick else instruction_ratio()
    if counted is not None:
        print(f"instruction ratio {counted:.3f} (the figure below)")
    print(f"overhead_ratio={counted if counted is not None else median:.3f}")


if __name__ == "__main__":
    main()
