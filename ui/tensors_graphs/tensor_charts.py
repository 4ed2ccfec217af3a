"""Plotly builders for the tensors of section 1 of Tensors & graphs: a matrix, an image, a batch."""

from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import Tensor

from core.base.i18n import _


def _small(**kw: object) -> dict:
    return {"margin": dict(l=10, r=10, t=40, b=10), **kw}


def matrix_figure(t: Tensor, title: str = "") -> go.Figure:
    """A 2-D tensor as a heatmap with every value written in its cell."""
    z = t.float().numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            colorscale="Blues",
            texttemplate="%{z:.2f}",
            showscale=False,
            xgap=1,
            ygap=1,
            hovertemplate=_("row %{y}, column %{x}: %{z}") + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=_("row (axis 0)"), dtick=1)
    fig.update_xaxes(title=_("column (axis 1)"), dtick=1, side="top")
    fig.update_layout(**_small(height=80 + 45 * z.shape[0], title=title))
    return fig


def image_figure(img: Tensor) -> go.Figure:
    """An (H, W, 3) uint8 image, then each channel as its own H x W matrix of 0-255 values."""
    titles = [_("the image"), _("C=0 red"), _("C=1 green"), _("C=2 blue")]
    fig = make_subplots(rows=1, cols=4, subplot_titles=titles)
    hover = _("row %{y}, column %{x}: %{z}") + "<extra></extra>"
    fig.add_trace(go.Image(z=img.numpy(), hovertemplate=hover), 1, 1)
    for c, scale in enumerate(("Reds", "Greens", "Blues")):
        fig.add_trace(
            go.Heatmap(
                z=img[..., c].numpy(),
                colorscale=scale,
                zmin=0,
                zmax=255,
                showscale=False,
                texttemplate="%{z}",
                textfont=dict(size=7),
                hovertemplate=f"img[%{{y}}, %{{x}}, {c}] = %{{z}}<extra></extra>",
            ),
            1,
            c + 2,
        )
        fig.update_yaxes(autorange="reversed", row=1, col=c + 2)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(**_small(height=260))
    return fig


def slices_figure(batch: Tensor) -> go.Figure:
    """An (N, C, H, W) batch as a grid of its 2-D slices batch[n, c] (one row per sample, one
    column per channel), beside each sample drawn as a colour image. One mosaic per side, with a
    blank line between tiles: two traces rather than N x C subplots, so it draws fast."""
    n, c, h, w = batch.shape
    grid = torch.full((n * (h + 1) - 1, c * (w + 1) - 1), float("nan"))
    hover = [[""] * grid.shape[1] for _row in range(grid.shape[0])]
    rgb = torch.full((n * (h + 1) - 1, w, 3), 255, dtype=torch.uint8)
    for i in range(n):
        rgb[i * (h + 1) : i * (h + 1) + h] = batch[i].permute(1, 2, 0)  # CHW -> HWC to draw
        for j in range(c):
            r0, c0 = i * (h + 1), j * (w + 1)
            grid[r0 : r0 + h, c0 : c0 + w] = batch[i, j].float()
            for y in range(h):
                for x in range(w):
                    hover[r0 + y][c0 + x] = f"batch[{i}, {j}, {y}, {x}] = {int(batch[i, j, y, x])}"
    fig = make_subplots(rows=1, cols=2, column_widths=[0.25, 0.75], horizontal_spacing=0.04)
    fig.add_trace(go.Image(z=rgb.numpy(), hoverinfo="skip"), 1, 1)
    fig.add_trace(
        go.Heatmap(
            z=grid.numpy(),
            colorscale="Greys_r",
            zmin=0,
            zmax=255,
            showscale=False,
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        ),
        1,
        2,
    )
    rows = dict(
        tickvals=[i * (h + 1) + (h - 1) / 2 for i in range(n)], ticktext=[f"batch[{i}]" for i in range(n)]
    )
    names = [_("red"), _("green"), _("blue")] if c == 3 else [str(j) for j in range(c)]
    fig.update_yaxes(**rows, autorange="reversed", row=1, col=1)
    fig.update_yaxes(**rows, autorange="reversed", row=1, col=2)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    fig.update_xaxes(showticklabels=False, row=1, col=1, title=_("each sample as an image"))
    fig.update_xaxes(
        tickvals=[j * (w + 1) + (w - 1) / 2 for j in range(c)],
        ticktext=[f"C={j} ({names[j]})" for j in range(c)],
        side="top",
        row=1,
        col=2,
    )
    fig.update_layout(**_small(height=90 + 55 * n, margin=dict(l=10, r=10, t=30, b=30)))
    return fig
