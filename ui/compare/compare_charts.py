"""Plotly builders for the Compare page: stored runs (RunStore.load dicts) in, figures out."""

from __future__ import annotations

import math

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.base.i18n import _
from core.runs.compare import ema
from ui.labs.training_charts import LAYOUT, pow10_ticks

PALETTE = pc.qualitative.Plotly + pc.qualitative.D3


def grad_key(runs: list[dict]) -> str:
    """The per-layer gradient measure every run has: the per-weight RMS (fair between layers of
    different sizes), or the norm for runs kept before the RMS was recorded."""
    return "grad_rms" if runs and all(r.get("grad_rms") for r in runs) else "grad_norm"


def grad_axis(runs: list[dict]) -> str:
    """What the gradient ratio is a ratio of, for axis titles."""
    return _("per weight (RMS)") if grad_key(runs) == "grad_rms" else _("norm")


def run_label(run: dict) -> str:
    """'#12 name' (a store's run); a run given a "label" (the class board: a nickname, as the
    class knows it, not another visitor's store number) is named by that label alone."""
    if run.get("label"):
        return run["label"]
    return f"#{run['id']} {run['name']}".strip() if run.get("id") else run.get("name", "run")


def curves_figure(
    runs: list[dict], metric: str = "loss", smoothing: float = 0.6, log_y: bool = False
) -> go.Figure:
    """Train (dashed) and validation (solid) curves of every run, one colour per run, smoothed
    like TensorBoard (the raw curve faint behind)."""
    points = sum(len(r["epochs"]) for r in runs) * 2
    scatter = go.Scattergl if points > 4000 else go.Scatter
    fig = go.Figure()
    for i, run in enumerate(runs):
        colour = PALETTE[i % len(PALETTE)]
        ep = [e["epoch"] for e in run["epochs"]]
        for split, dash in (("train", "dash"), ("val", "solid")):
            raw = [e[f"{split}_{metric}"] for e in run["epochs"]]
            name = f"{run_label(run)} {_('validation') if split == 'val' else _('train')}"
            if smoothing > 0:
                fig.add_trace(
                    scatter(
                        x=ep,
                        y=raw,
                        mode="lines",
                        line=dict(color=colour, width=1, dash=dash),
                        opacity=0.25,
                        showlegend=False,
                        hoverinfo="skip",
                    )
                )
            fig.add_trace(
                scatter(
                    x=ep,
                    y=ema(raw, smoothing),
                    mode="lines",
                    name=name,
                    line=dict(color=colour, width=2, dash=dash),
                    legendgroup=str(run.get("id")),
                )
            )
    label = _("loss (cross-entropy)") if metric == "loss" else _("accuracy")
    fig.update_yaxes(title=label, type="log" if log_y else "linear")
    fig.update_layout(**{**LAYOUT, "height": 380, "legend": dict(orientation="v")}, xaxis_title=_("epoch"))
    return fig


def ratio_figure(runs: list[dict]) -> go.Figure:
    """First/last layer gradient ratio per epoch for every run, on a log axis."""
    fig = go.Figure()
    key = grad_key(runs)
    for i, run in enumerate(runs):
        layers = run["layers"]
        if len(layers) < 2:
            continue
        first, last = run[key][layers[0]], run[key][layers[-1]]
        ratio = [a / b if b else None for a, b in zip(first, last)]
        fig.add_trace(
            go.Scatter(
                x=[e["epoch"] for e in run["epochs"]],
                y=ratio,
                mode="lines",
                name=run_label(run),
                line=dict(color=PALETTE[i % len(PALETTE)], width=2),
            )
        )
    fig.add_hline(y=1, line=dict(color="grey", dash="dot"))
    title = _("first layer / last layer gradient, {what}").format(what=grad_axis(runs))
    fig.update_yaxes(type="log", title=title, exponentformat="power")
    fig.update_layout(**{**LAYOUT, "height": 340, "legend": dict(orientation="v")}, xaxis_title=_("epoch"))
    return fig


def grad_grid_figure(runs: list[dict], cols: int = 3) -> go.Figure:
    """One layer x epoch heatmap of log10 gradient norm per run, side by side on one colour
    scale, so the runs' gradient flows compare at a glance."""
    runs = runs[:12]
    rows = math.ceil(len(runs) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[run_label(r)[:40] for r in runs],
        horizontal_spacing=0.06,
        vertical_spacing=0.12 if rows > 1 else 0.1,
    )
    key = grad_key(runs)
    zs = [np.log10(np.maximum(np.array([r[key][n] for n in r["layers"]], dtype=float), 1e-30)) for r in runs]
    finite = [z[np.isfinite(z)] for z in zs if z.size]
    lo = min((float(z.min()) for z in finite if z.size), default=-6.0)
    hi = max((float(z.max()) for z in finite if z.size), default=0.0)
    vals, text = pow10_ticks(lo, hi)
    for i, (run, z) in enumerate(zip(runs, zs)):
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=[e["epoch"] for e in run["epochs"]],
                y=run["layers"],
                zmin=lo,
                zmax=hi,
                colorscale="Viridis",
                showscale=i == 0,
                colorbar=dict(title=_("|grad|"), tickvals=vals, ticktext=text),
                hovertemplate=_("{layer}, epoch {epoch}: 10^{value}").format(
                    layer="%{y}", epoch="%{x}", value="%{z:.2f}"
                )
                + "<extra></extra>",
            ),
            row=i // cols + 1,
            col=i % cols + 1,
        )
    fig.update_layout(**{**LAYOUT, "height": 300 * rows + 40})
    return fig


def depth_figure(by_activation: dict[str, list[tuple[int, float]]]) -> go.Figure:
    """The vanishing-gradient curve: first/last gradient ratio against depth, per activation."""
    fig = go.Figure()
    for i, (act, pts) in enumerate(sorted(by_activation.items())):
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in pts],
                y=[r for _, r in pts],
                mode="lines+markers",
                name=act,
                line=dict(color=PALETTE[i % len(PALETTE)], width=2),
            )
        )
    fig.add_hline(y=1, line=dict(color="grey", dash="dot"))
    fig.update_yaxes(
        type="log", title=_("first layer / last layer gradient (last epoch)"), exponentformat="power"
    )
    fig.update_xaxes(title=_("hidden layers (depth)"), dtick=2)
    fig.update_layout(**{**LAYOUT, "height": 380, "title": _("Gradient ratio against depth")})
    return fig
