"""Plotly figure builders: History / arrays in, go.Figure out. No widgets, no state.

Gradient norms span many orders of magnitude, so they are drawn on log axes; plotly has no
log colour scale, so the heatmap plots log10 of the norms with colour-bar ticks written as
powers of ten.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.datasets import Split
from core.insights import OverfitFinding
from core.probes import decision_grid
from core.training import History

TRAIN, VAL = "#1f77b4", "#ff7f0e"
CLASS_COLOURS = ["#2b6cb0", "#dd6b20", "#2f855a", "#b83280"]
LAYOUT = dict(
    margin=dict(l=10, r=10, t=40, b=10),
    height=340,
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
)


def _layer_colours(n: int) -> list[str]:
    """Input-side layers light, output-side dark (viridis), so depth reads as colour."""
    import plotly.colors as pc

    return pc.sample_colorscale("Viridis", [i / max(n - 1, 1) for i in range(n)])


def loss_figure(history: History, finding: OverfitFinding | None = None) -> go.Figure:
    """Loss and accuracy per epoch, train vs validation, with the best validation epoch marked."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    ep = history.series("epoch")
    for col, (key, name) in enumerate([("loss", "loss"), ("acc", "accuracy")], start=1):
        for split, colour in (("train", TRAIN), ("val", VAL)):
            fig.add_trace(
                go.Scatter(
                    x=ep,
                    y=history.series(f"{split}_{key}"),
                    mode="lines",
                    name=f"{'train' if split == 'train' else 'validation'} {name}",
                    line=dict(color=colour, width=2),
                    legendgroup=split,
                ),
                row=1,
                col=col,
            )
    if finding is not None and finding.overfitting:
        for col in (1, 2):
            fig.add_vline(x=finding.best_epoch, line=dict(color="crimson", dash="dash"), row=1, col=col)
        fig.add_annotation(
            x=finding.best_epoch,
            y=finding.best_val_loss,
            row=1,
            col=1,
            text=f"best validation: epoch {finding.best_epoch}<br>overfitting after",
            showarrow=True,
            arrowhead=2,
            ax=40,
            ay=-40,
            font=dict(color="crimson"),
        )
    fig.update_xaxes(title_text="epoch")
    fig.update_yaxes(title_text="loss (cross-entropy)", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", range=[0, 1.02], row=1, col=2)
    fig.update_layout(**LAYOUT)
    return fig


def _pow10_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    ks = list(range(math.floor(lo), math.ceil(hi) + 1))
    step = max(1, len(ks) // 8)
    ks = ks[::step]
    return [float(k) for k in ks], [f"1e{k}" for k in ks]


def grad_heatmap_figure(history: History) -> go.Figure:
    """Layer x epoch heatmap of log10(gradient norm): a vanishing net is dark at the bottom."""
    norms = history.grad_norm()
    z = np.log10(np.maximum(np.array([norms[n] for n in history.layers]), 1e-30))
    lo, hi = (float(z.min()), float(z.max())) if z.size else (-6.0, 0.0)
    vals, text = _pow10_ticks(lo, hi)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=history.series("epoch"),
            y=history.layers,
            colorscale="Viridis",
            colorbar=dict(title="|grad|", tickvals=vals, ticktext=text),
            hovertemplate="%{y}, epoch %{x}: 10^%{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        **{**LAYOUT, "title": "Gradient norm per layer (log colour)"},
        xaxis_title="epoch",
        yaxis_title="layer (input at the bottom)",
    )
    return fig


def grad_lines_figure(history: History) -> go.Figure:
    """One line per layer on a log axis: the gap between lines is the vanishing factor."""
    norms = history.grad_norm()
    ep = history.series("epoch")
    fig = go.Figure()
    for name, colour in zip(history.layers, _layer_colours(len(history.layers))):
        fig.add_trace(go.Scatter(x=ep, y=norms[name], mode="lines", name=name, line=dict(color=colour)))
    fig.update_yaxes(type="log", title="mean |grad| of the weights", exponentformat="power")
    fig.update_layout(
        **{**LAYOUT, "title": "Gradient norm per layer (log axis)", "legend": dict(orientation="v")},
        xaxis_title="epoch",
    )
    return fig


def decision_figure(history: History | None, split: Split, lim: float | None = None) -> go.Figure:
    """The plane coloured by the model's prediction, with train (o) and validation (x) points."""
    pts = np.concatenate([split.x_train.numpy(), split.x_val.numpy()])
    lim = lim or float(np.ceil(np.abs(pts).max() * 10 + 1) / 10)
    fig = go.Figure()
    if history is not None and history.model is not None and history.epochs:
        axis, probs = decision_grid(history.model, lim)
        if probs.shape[-1] == 2:  # binary: P(class 1), a smooth boundary at 0.5
            fig.add_trace(
                go.Heatmap(
                    x=axis,
                    y=axis,
                    z=probs[..., 1].numpy(),
                    zmin=0,
                    zmax=1,
                    colorscale=[[0, "#bcd4ee"], [0.5, "#f7f7f7"], [1, "#f6c9a6"]],
                    colorbar=dict(title="P(class 1)"),
                    hoverinfo="skip",
                )
            )
        else:  # several classes: the winning class, pale
            k = probs.shape[-1]
            scale = [[i / (k - 1), CLASS_COLOURS[i]] for i in range(k)]
            fig.add_trace(
                go.Heatmap(
                    x=axis,
                    y=axis,
                    z=probs.argmax(-1).numpy(),
                    zmin=0,
                    zmax=k - 1,
                    colorscale=scale,
                    opacity=0.3,
                    showscale=False,
                    hoverinfo="skip",
                )
            )
    # SVG draws a few thousand points fast everywhere (WebGL may be software-emulated).
    scatter = go.Scatter if len(pts) <= 3000 else go.Scattergl
    for x, y, name, symbol in (
        (split.x_train, split.y_train, "train", "circle"),
        (split.x_val, split.y_val, "validation", "x"),
    ):
        colours = [CLASS_COLOURS[c] for c in y.tolist()]
        fig.add_trace(
            scatter(
                x=x[:, 0].numpy(),
                y=x[:, 1].numpy(),
                mode="markers",
                name=name,
                marker=dict(color=colours, symbol=symbol, size=5, line=dict(width=0.5, color="white")),
            )
        )
    fig.update_xaxes(range=[-lim, lim], constrain="domain")
    fig.update_yaxes(range=[-lim, lim], scaleanchor="x")
    fig.update_layout(**{**LAYOUT, "height": 400})
    return fig


def activation_figure(history: History, epoch_index: int = -1) -> go.Figure:
    """Per hidden layer at one epoch: mean +- std of the activations, and the share of
    saturated (sigmoid/tanh) or dead (ReLU) units."""
    act = history.epochs[epoch_index]["act"]
    names = list(act)
    failure = next((k for k in ("saturated", "dead") if names and k in act[names[0]]), None)
    cols = 2 if failure else 1
    titles = ["Activation mean ± std"] + ([f"{failure.capitalize()} fraction"] if failure else [])
    fig = make_subplots(rows=1, cols=cols, subplot_titles=titles)
    fig.add_trace(
        go.Bar(
            x=names,
            y=[act[n]["mean"] for n in names],
            name="mean",
            error_y=dict(array=[act[n]["std"] for n in names]),
            marker_color=TRAIN,
        ),
        row=1,
        col=1,
    )
    if failure:
        fig.add_trace(
            go.Bar(x=names, y=[act[n][failure] for n in names], name=failure, marker_color="crimson"),
            row=1,
            col=2,
        )
        fig.update_yaxes(range=[0, 1], row=1, col=2)
    fig.update_layout(**{**LAYOUT, "showlegend": False})
    return fig


def distribution_figure(history: History, epoch_index: int, layers: list[str]) -> go.Figure:
    """Histograms of weights (left) and last-step gradients (right) for chosen layers."""
    rec = history.epochs[epoch_index]
    fig = make_subplots(
        rows=len(layers),
        cols=2,
        vertical_spacing=0.06 if len(layers) < 6 else 0.02,
        column_titles=["weights", "gradients (last step of the epoch)"],
        row_titles=layers,
    )
    for row, name in enumerate(layers, start=1):
        for col, kind in ((1, "weight"), (2, "grad")):
            h = rec["hist"][name].get(kind)
            if h is None:
                continue
            width = (h["hi"] - h["lo"]) / len(h["counts"])
            centres = [h["lo"] + (i + 0.5) * width for i in range(len(h["counts"]))]
            fig.add_trace(
                go.Bar(
                    x=centres,
                    y=h["counts"],
                    width=width,
                    showlegend=False,
                    marker_color=TRAIN if col == 1 else VAL,
                    hovertemplate="%{x:.3g}: %{y}<extra></extra>",
                ),
                row=row,
                col=col,
            )
            fig.update_xaxes(exponentformat="e" if col == 2 else "none", row=row, col=col)
    fig.update_layout(
        **{
            **LAYOUT,
            "height": 150 + 140 * len(layers),
            "showlegend": False,
            "title": f"Distributions at epoch {rec['epoch']}",
        }
    )
    return fig
