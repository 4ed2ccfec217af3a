"""How dropout, batch norm and initialisation work, shown next to their controls in the labs, on
small real tensors computed by core/lessons/layer_lessons.py for the settings on screen.

The lessons' random draws (the dropout mask, the signal chart's weights and inputs) come from one
fixed seed, not the run's: they show what a setting does, the same for every visitor with those
settings, and are computed once per server for them all (a class whose every link has a seed of
its own paid about 8 ms a visitor opening the lab to build the signal chart's nets again)."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st
import torch

from core.base.i18n import _, language
from core.contract.activations import ACTIVATIONS
from core.contract.config import CNNConfig, MLPConfig
from core.lessons import layer_lessons as lessons
from ui.common.code import show_code
from ui.common.plot import chart
from ui.labs.training_charts import LAYOUT, viridis


def layer_lessons(cfg: Any) -> None:
    """An expander with three tabs: dropout, batch norm, initialisation (for cfg's settings)."""
    with st.expander(_("How dropout, batch norm and initialisation work")):
        drop, bn, init = st.tabs([_("Dropout"), _("Batch norm"), _("Initialisation")])
        with drop:
            _dropout(cfg.dropout)
        with bn:
            _batch_norm(isinstance(cfg, CNNConfig))
        with init:
            _init(cfg)


LESSON_SEED = 0  # every lesson's random draws: one seed for every visitor, whatever the run's

# The lessons' numbers depend only on a few settings: computed once per setting, not on every
# rerun of the lab (building three nets for the signal chart costs ~7 ms each time).
_batchnorm_demo = functools.lru_cache(maxsize=1)(lessons.batchnorm_demo)


@functools.lru_cache(maxsize=64)
def _dropout_demo(p: float) -> lessons.DropoutDemo:
    return lessons.dropout_demo(p, LESSON_SEED)


@functools.lru_cache(maxsize=256)
def _signal(depth: int, width: int, activation: str) -> dict[str, list[float]]:
    mlp = MLPConfig(depth=depth, width=width, activation=activation, seed=LESSON_SEED)
    x = torch.randn(256, 2, generator=torch.Generator().manual_seed(LESSON_SEED))
    return lessons.signal_through_depth(mlp, x)


# The tables too, per setting and language, and already in Arrow, which st.dataframe sends as it is:
# a DataFrame built on every rerun was a tenth of what a visitor's Train costs the server, and its
# conversion to Arrow on every rerun another tenth (bench/load.py, py-spy). Streamlit only reads them.
def _arrow(build):
    @functools.wraps(build)
    def table(*args: Any) -> pa.Table:
        return pa.Table.from_pandas(build(*args))  # the index kept in the pandas metadata: shown

    return functools.lru_cache(maxsize=256)(table)


@_arrow
def _dropout_table(p: float, lang: str) -> pd.DataFrame:
    d = _dropout_demo(p)
    return pd.DataFrame(
        [_row(d.x), ["✓" if k else "✗" for k in d.keep], _row(d.train), _row(d.eval)],
        index=[_("input"), _("mask (kept?)"), _("training output"), _("evaluation output")],
    )


@_arrow
def _batch_norm_table(lang: str) -> pd.DataFrame:
    d = _batchnorm_demo()
    return pd.DataFrame(
        [_row(d.batch), _row(d.normalised), _row(d.train_out), _row(d.eval_out)],
        index=[
            _("batch x"),
            _("(x − mean)/√(var + ε)"),
            _("training: γ·… + β"),
            _("evaluation, running statistics"),
        ],
    )


@_arrow
def _init_table(mlp: MLPConfig, width: int, lang: str) -> pd.DataFrame:
    rows = [
        {
            _("init"): name,
            _("Var(w)"): f"{var:.3g}",
            _("fan_in · Var(w)"): f"{var * width:.3g}",
            _("why"): _(why),
        }
        for name, var, why in lessons.init_table(mlp, width)
    ]
    return pd.DataFrame(rows)


def _row(values: list, digits: int = 2) -> list[str]:
    return [f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in values]


def _dropout(p: float) -> None:
    d = _dropout_demo(p)
    st.markdown(
        _(
            "While training, dropout zeroes each unit at random with probability **p = {p:g}** (a new "
            "random mask every step) and multiplies the units it keeps by **1 / (1 − p) = {scale:.3g}**, "
            "so the expected output stays what came in. The net cannot lean on any one unit. In "
            "evaluation (the validation curve, the boundary, predictions) dropout is **off**: the "
            "input passes unchanged."
        ).format(p=d.p, scale=1 / (1 - d.p))
        + (_(" (Dropout is 0 in your settings; shown here at 0.5.)") if p == 0 else "")
    )
    st.dataframe(_dropout_table(p, language()), width="stretch")
    st.caption(
        _(
            "Mean input {a:.3f}; mean training output over 4,000 random masks {b:.3f}: the same on average."
        ).format(a=d.mean_in, b=d.mean_out_many)
    )
    show_code(lessons.dropout_demo)


def _batch_norm(conv: bool) -> None:
    d = _batchnorm_demo()
    where = (
        _("after each convolution, per channel (over the batch and every position)")
        if conv
        else _("after each hidden layer's linear map, per unit (over the batch)")
    )
    st.markdown(
        _(
            "Batch norm works {where}. In training it normalises with the **batch's own** mean and "
            "variance, then scales by a learned **γ** and shifts by a learned **β**: "
            "y = γ·(x − mean)/√(var + ε) + β. It also keeps **running** averages of the mean and "
            "variance (momentum 0.1); in evaluation it uses those instead of the batch's, so one "
            "example's prediction does not depend on the others in its batch."
        ).format(where=where)
    )
    st.dataframe(_batch_norm_table(language()), width="stretch")
    st.caption(
        _(
            "Batch mean {m:.3f}, variance {v:.3f} (divided by n); γ = {g:g}, β = {b:g}. After {k} "
            "training batches the running mean is {rm:.3f} and the running variance {rv:.3f}."
        ).format(m=d.mean, v=d.var, g=d.gamma, b=d.beta, k=d.batches, rm=d.running_mean, rv=d.running_var)
    )
    show_code(lessons.batchnorm_demo)


def _init(cfg: Any) -> None:
    width = cfg.width if isinstance(cfg, MLPConfig) else max(cfg.dense_width, 8)
    depth = cfg.depth if isinstance(cfg, MLPConfig) else 10
    mlp = MLPConfig(depth=depth, width=width, activation=cfg.activation)
    gain = ACTIVATIONS[cfg.activation].gain
    st.markdown(
        _(
            "Each weight starts as a random number; the init chooses its **variance**. For a hidden "
            "layer of {w} units (fan_in = fan_out = {w}) and {act} (gain {gain:.3g}); `auto` picks "
            "**{auto}** for {act}:"
        ).format(w=width, act=cfg.activation, gain=gain, auto=lessons.auto_init(cfg.activation))
    )
    st.dataframe(_init_table(mlp, width, language()), hide_index=True, width="stretch")
    stds = _signal(depth, width, cfg.activation)
    data = [
        {"type": "scatter", "x": list(range(1, depth + 1)), "y": ys, "mode": "lines+markers", "name": init,
         "line": {"color": colour}}
        for (init, ys), colour in zip(stds.items(), viridis(3))
    ]  # fmt: skip
    title = _("Signal size through {d} layers of {w} {act} units at initialisation").format(
        d=depth, w=width, act=cfg.activation
    )
    layout = {
        **LAYOUT,
        "title": {"text": title},
        "xaxis": {"title": {"text": _("hidden layer")}, "dtick": 1},
        "yaxis": {
            "title": {"text": _("std of the layer's output")},
            "type": "log",
            "exponentformat": "power",
        },
    }
    chart(st, {"data": data, "layout": layout})
    st.caption(
        _(
            "Measured: 256 random inputs through a freshly built net of these sizes with each init (no "
            "dropout or batch norm). A line that falls layer after layer means the deep layers get "
            "almost no signal forward, and almost no gradient back."
        )
    )
    show_code(lessons.init_variance, lessons.signal_through_depth)
