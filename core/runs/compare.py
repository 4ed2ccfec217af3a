"""Comparisons: runs that differ in one knob, run one after another and filed together.

A plan is a list of (label, config). Every run in a plan shares the base config, seed and data
included, so any difference in the curves comes from the knob alone.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from core.base.i18n import N_
from core.contract.config import DERIVED, MLPConfig
from core.contract.presets import PRESETS
from core.engine.insights import gradient_finding
from core.engine.training import History, train
from core.runs.recorder import Recorder
from core.runs.store import RunStore

SWEEP_DEPTHS = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
SWEEP_ACTIVATIONS = ("sigmoid", "tanh", "relu")


@dataclass(frozen=True)
class Comparison:
    """A one-click comparison: what it shows and how to build its plan from a base config."""

    title: str
    lesson: str
    plan: Callable[[MLPConfig], list[tuple[str, MLPConfig]]]


def _vary(field: str, values: tuple) -> Callable[[MLPConfig], list[tuple[str, MLPConfig]]]:
    return lambda base: [(f"{field}={v}", replace(base, **{field: v})) for v in values]


def _overfit_base(base: MLPConfig) -> MLPConfig:
    return replace(base, **PRESETS["overfitting"].fields)


def _depth_sweep(base: MLPConfig) -> list[tuple[str, MLPConfig]]:
    short = replace(base, epochs=min(base.epochs, 5))  # the ratio shows within a few epochs
    return [
        (f"{a}, depth {d}", replace(short, activation=a, depth=d))
        for a in SWEEP_ACTIVATIONS
        for d in SWEEP_DEPTHS
    ]


COMPARISONS: dict[str, Comparison] = {
    "sigmoid_relu": Comparison(
        N_("Sigmoid vs ReLU"),
        N_(
            "The same deep net with sigmoid and with ReLU (He init): the vanishing gradient and its "
            "cure, side by side."
        ),
        _vary("activation", ("sigmoid", "relu")),
    ),
    "activation": Comparison(
        N_("Sigmoid vs tanh vs ReLU"),
        N_("The same net with three activations: watch the first layer's gradient fall behind with sigmoid."),
        _vary("activation", ("sigmoid", "tanh", "relu")),
    ),
    "dropout": Comparison(
        N_("Dropout 0 vs 0.5"),
        N_("The overfitting setup (100 noisy points, a wide net, 300 epochs) with and without dropout."),
        lambda base: _vary("dropout", (0.0, 0.5))(_overfit_base(base)),
    ),
    "init": Comparison(
        N_("Init: default vs Xavier vs He"),
        N_("How the starting weights' scale decides whether signals and gradients survive depth."),
        _vary("init", ("default", "xavier", "he")),
    ),
    "batch_norm": Comparison(
        N_("Batch norm off vs on"),
        N_(
            "Normalising each layer's pre-activations keeps them in the range where the activation has slope."
        ),
        _vary("batch_norm", (False, True)),
    ),
    "residual": Comparison(
        N_("Residual connections off vs on"),
        N_("A skip connection gives the gradient a path around every layer."),
        _vary("residual", (False, True)),
    ),
    "depth_sweep": Comparison(
        N_("Depth sweep per activation"),
        N_(
            "Depth 2 to 20 for sigmoid, tanh and ReLU (5 epochs each): the first/last gradient ratio "
            "against depth is the vanishing-gradient curve."
        ),
        _depth_sweep,
    ),
}


def run_plan(
    store: RunStore,
    key: str,
    plan: list[tuple[str, MLPConfig]],
    on_run: Callable[[int, str, History], None] | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> str:
    """Train every config of a plan in turn, each filed in the store under one group id.

    on_run(index, label, history) before each run; on_epoch(index, record) after each epoch.
    Every finished epoch is committed, so a stop keeps all finished runs and epochs.
    Returns the group id.
    """
    group = f"{key}-{uuid.uuid4().hex[:8]}"
    for i, (label, cfg) in enumerate(plan):
        if should_stop is not None and should_stop():
            break
        history = History(config={}, layers=[])
        rec = Recorder(store, "mlp", asdict(cfg), name=label, tags=[key], group=group)
        history.run_id = rec.run_id
        if on_run is not None:
            on_run(i, label, history)

        def epoch_done(record: dict, i: int = i, rec: Recorder = rec) -> None:
            rec.on_epoch(record)
            if on_epoch is not None:
                on_epoch(i, record)

        train(cfg, history=history, on_epoch=epoch_done, should_stop=should_stop)
        rec.finish(history)
    return group


def ema(values: list[float], weight: float = 0.6) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average, debiased so the first points
    are not pulled towards zero. weight 0 leaves the curve as it is."""
    out, last, n = [], 0.0, 0
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(v)
            continue
        n += 1
        last = last * weight + (1 - weight) * v
        out.append(last / (1 - weight**n) if weight > 0 else v)
    return out


def config_diff(configs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Fields whose values are not the same in every config: name -> value per config."""
    keys = [k for k in dict.fromkeys(k for c in configs for k in c) if k not in DERIVED]
    return {k: [c.get(k) for c in configs] for k in keys if len({repr(c.get(k)) for c in configs}) > 1}


def final_ratio(run: dict) -> float | None:
    """First/last layer gradient ratio at a stored run's last epoch (per weight when stored)."""
    layers = run["layers"]
    if len(layers) < 2 or not run["epochs"]:
        return None
    last = {k: {n: run[k][n][-1] for n in layers} for k in ("grad_norm", "grad_rms") if run.get(k)}
    h = History(config=run["config"], layers=layers, epochs=[last])
    finding = gradient_finding(h)
    return finding.ratio if finding else None


def ratio_by_depth(runs: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """activation -> [(depth, first/last ratio)] sorted by depth, from stored sweep runs."""
    out: dict[str, list[tuple[int, float]]] = {}
    for run in runs:
        r = final_ratio(run)
        if r is not None and r > 0:
            out.setdefault(run["config"]["activation"], []).append((run["config"]["depth"], r))
    return {a: sorted(v) for a, v in out.items()}
