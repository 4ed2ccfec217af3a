"""Plotly figures for the CNN lab: filters, feature maps, confusion matrix, class probabilities.

Many small images are drawn as ONE heatmap of tiles separated by blank (NaN) gutters: one trace
instead of dozens of subplots keeps a redraw cheap. Each tile is scaled to its own range, since
channels differ in scale and a shared scale would leave most of them flat.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from torch import Tensor

from core.base.i18n import _
from core.engine.cnn_inspect import FeatureMap
from ui.labs.training_charts import LAYOUT


def _tiles(images: np.ndarray, cols: int, per_tile_scale: bool = True) -> tuple[np.ndarray, int]:
    """(N, H, W) -> one (rows*(H+1)-1, cols*(W+1)-1) mosaic, NaN between tiles; and the rows."""
    n, h, w = images.shape
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, dtype=np.float32)
    for i, img in enumerate(images):
        if per_tile_scale:
            lo, hi = float(img.min()), float(img.max())
            img = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        r, c = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = img
    return out, rows


def mosaic_figure(
    images: np.ndarray, title: str, cols: int = 8, labels: list[str] | None = None
) -> go.Figure:
    """Small grayscale images (N, H, W) in a grid, each scaled to its own min..max."""
    n, h, w = images.shape
    cols = max(1, min(cols, n))
    z, rows = _tiles(images, cols)
    fig = go.Figure(go.Heatmap(z=z, colorscale="Gray", showscale=False, hoverinfo="skip"))
    if labels:
        for i, text in enumerate(labels):
            r, c = divmod(i, cols)
            fig.add_annotation(
                x=c * (w + 1) + (w - 1) / 2, y=r * (h + 1) - 0.5, text=text, showarrow=False,
                yshift=6, font=dict(size=10),
            )  # fmt: skip
    px_per_cell = max(4, min(28, 640 // max(cols * (w + 1), 1)))
    fig.update_yaxes(autorange="reversed", visible=False, scaleanchor="x")
    fig.update_xaxes(visible=False)
    fig.update_layout(
        **{**LAYOUT, "title": title, "height": min(900, 80 + rows * (h + 1) * px_per_cell)},
        plot_bgcolor="white",
    )
    return fig


def filters_figure(weights: Tensor) -> go.Figure:
    """First-layer filters (C_out, C_in, k, k): one tile per output channel (RGB inputs: the
    filter's three input channels side by side)."""
    w = weights.numpy()
    c_out, c_in, k, _k = w.shape
    if c_in == 1:
        tiles, labels = w[:, 0], [_("ch {i}").format(i=i) for i in range(c_out)]
    else:
        tiles = w.reshape(c_out * c_in, k, k)
        labels = [
            _("ch {i}").format(i=i) + f" {'RGB'[j] if c_in == 3 else j}"
            for i in range(c_out)
            for j in range(c_in)
        ]
    return mosaic_figure(
        tiles,
        _("conv1: {n} filters of {c}x{k}x{k} (light = positive weight)").format(n=c_out, c=c_in, k=k),
        8,
        labels,
    )


def feature_maps_figure(fm: FeatureMap, label: str) -> go.Figure:
    """Every channel of one stage's output for one image, titled `label` (its name)."""
    c, h, w = fm.maps.shape
    return mosaic_figure(
        fm.maps.numpy(),
        _("{label}: {c} channels of {h}x{w}").format(label=label, c=c, h=h, w=w),
        8,
        [str(i) for i in range(c)],
    )


def image_figure(img01: Tensor, title: str) -> go.Figure:
    """One input image (C, H, W) in [0, 1], grayscale or RGB, at its true pixel grid."""
    c, h, w = img01.shape
    if c == 3:
        trace = go.Image(z=(img01.permute(1, 2, 0).numpy() * 255).astype(np.uint8))
    else:
        trace = go.Heatmap(z=img01[0].numpy(), colorscale="Gray", zmin=0, zmax=1, showscale=False)
    fig = go.Figure(trace)
    fig.update_yaxes(autorange="reversed", visible=False, scaleanchor="x")
    fig.update_xaxes(visible=False)
    fig.update_layout(**{**LAYOUT, "title": title, "height": 260})
    return fig


def confusion_figure(matrix: Tensor, class_names: tuple[str, ...]) -> go.Figure:
    """Counts with the true class down and the predicted class across; the diagonal is right."""
    m = matrix.numpy()
    rates = m / np.maximum(m.sum(1, keepdims=True), 1)  # colour: share of each true class
    fig = go.Figure(
        go.Heatmap(
            z=rates, x=list(class_names), y=list(class_names), text=m, texttemplate="%{text}",
            colorscale="Blues", zmin=0, zmax=1, colorbar=dict(title=_("share of row")),
            hovertemplate=_("true {y}, predicted {x}: {n} images").format(y="%{y}", x="%{x}", n="%{text}")
            + "<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", title=_("true class"), type="category")
    fig.update_xaxes(title=_("predicted class"), type="category")
    fig.update_layout(**{**LAYOUT, "title": _("Confusion matrix (validation images)"), "height": 460})
    return fig


def probabilities_figure(probs: Tensor, class_names: tuple[str, ...]) -> go.Figure:
    """The predicted probability of every class, the winner highlighted."""
    p = probs.numpy()
    colours = ["#2b6cb0" if i == p.argmax() else "#a0aec0" for i in range(len(p))]
    fig = go.Figure(go.Bar(x=list(class_names), y=p, marker_color=colours, text=[f"{v:.0%}" for v in p]))
    fig.update_yaxes(range=[0, 1], title=_("probability"))
    fig.update_xaxes(type="category")
    fig.update_layout(**{**LAYOUT, "title": _("Class probabilities"), "height": 300})
    return fig
