"""Plotly builders for the tensors & graphs page: tensors, the model graph, timings. No widgets."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots
from torch import Tensor

from core.graphs import Layout, ModelGraph, Step, Timing, fmt_shape

EAGER, GRAPH = "#1f77b4", "#ff7f0e"
KINDS = {  # kind -> (legend name, marker symbol, colour, size)
    "input": ("input", "diamond", "#2f855a", 16),
    "op": ("operation", "square", "#2b6cb0", 16),
    "param": ("parameter (learned)", "circle", "#dd6b20", 11),
    "buffer": ("buffer (running statistic)", "circle-open", "#718096", 11),
    "output": ("output", "diamond", "#b83280", 16),
}
ROW_PX = 46  # vertical pixels per graph layer: room for a label between two nodes


def _small(**kw: object) -> dict:
    return {"margin": dict(l=10, r=10, t=40, b=10), **kw}


def matrix_figure(t: Tensor, title: str = "") -> go.Figure:
    """A 2-D tensor as a heatmap with every value written in its cell."""
    z = t.float().numpy()
    fig = go.Figure(
        go.Heatmap(z=z, colorscale="Blues", texttemplate="%{z:.2f}", showscale=False, xgap=1, ygap=1)
    )
    fig.update_yaxes(autorange="reversed", title="row (axis 0)", dtick=1)
    fig.update_xaxes(title="column (axis 1)", dtick=1, side="top")
    fig.update_layout(**_small(height=80 + 45 * z.shape[0], title=title))
    return fig


def image_figure(img: Tensor) -> go.Figure:
    """An (H, W, 3) uint8 image, then each channel as its own H x W matrix of 0-255 values."""
    fig = make_subplots(rows=1, cols=4, subplot_titles=["the image", "C=0 red", "C=1 green", "C=2 blue"])
    fig.add_trace(go.Image(z=img.numpy(), hovertemplate="row %{y}, col %{x}: %{z}<extra></extra>"), 1, 1)
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
    hover = [[""] * grid.shape[1] for _ in range(grid.shape[0])]
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
    names = ["red", "green", "blue"] if c == 3 else [str(j) for j in range(c)]
    fig.update_yaxes(**rows, autorange="reversed", row=1, col=1)
    fig.update_yaxes(**rows, autorange="reversed", row=1, col=2)
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(showgrid=False)
    fig.update_xaxes(showticklabels=False, row=1, col=1, title="each sample as an image")
    fig.update_xaxes(
        tickvals=[j * (w + 1) + (w - 1) / 2 for j in range(c)],
        ticktext=[f"C={j} ({names[j]})" for j in range(c)],
        side="top",
        row=1,
        col=2,
    )
    fig.update_layout(**_small(height=90 + 55 * n, margin=dict(l=10, r=10, t=30, b=30)))
    return fig


def _arrow_tips(px: list[float], py: list[float], x_px: float = 80.0) -> tuple[list[float], list[float]]:
    """The last segment of an edge, ending ~11 px short of the node it points at (the marker's
    edge): plotly turns an 'arrow' marker along the line from its previous point."""
    (xa, ya), (xb, yb) = (px[-2], py[-2]), (px[-1], py[-1])
    length = math.hypot((xb - xa) * x_px, (yb - ya) * ROW_PX) or 1.0
    f = min(0.45, 11 / length)
    return [xa, xb - (xb - xa) * f], [ya, yb - (yb - ya) * f]


def graph_figure(graph: ModelGraph, layout: Layout) -> go.Figure:
    """The computation graph top to bottom: operations in a column, each one's parameters to its
    right, every edge an arrow labelled with the shape of the tensor it carries."""
    kind = {n.id: n.kind for n in graph.nodes}
    fig = go.Figure()
    # Edges: data in dark grey, parameters feeding an operation in light grey.
    for is_param, colour in ((False, "#4a5568"), (True, "#cbd5e0")):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e, (px, py) in zip(graph.edges, layout.paths):
            if (kind[e.src] in ("param", "buffer")) == is_param:
                xs += [*px, None]
                ys += [*py, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=dict(color=colour, width=1.5),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for light, colour in ((False, "#4a5568"), (True, "#cbd5e0")):  # arrowheads: one marker per edge
        xs, ys = [], []
        for e, (px, py) in zip(graph.edges, layout.paths):
            if (kind[e.src] in ("param", "buffer")) == light:
                ax, ay = _arrow_tips(px, py)
                xs += ax
                ys += ay
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                marker=dict(symbol="arrow", angleref="previous", size=[0, 9] * (len(xs) // 2), color=colour),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    # Shape labels: right of straight edges; left of a skip edge's lane, between two rows.
    for skip, dx, side in ((False, 0.08, "middle right"), (True, -0.05, "middle left")):
        data = [
            (e, xy)
            for e, xy, (px, _) in zip(graph.edges, layout.label_at, layout.paths)
            if kind[e.src] not in ("param", "buffer") and (len(px) > 2) == skip
        ]
        fig.add_trace(
            go.Scatter(
                x=[x + dx for _, (x, _) in data],
                y=[y for _, (_, y) in data],
                mode="text",
                text=[fmt_shape(e.shape) for e, _ in data],
                textposition=side,
                textfont=dict(size=10, color="#718096"),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for k, (name, symbol, colour, size) in KINDS.items():
        nodes = [n for n in graph.nodes if n.kind == k]
        if not nodes:
            continue
        side = k in ("param", "buffer")  # parameters: name and shape above the dot
        fig.add_trace(
            go.Scatter(
                x=[layout.pos[n.id][0] for n in nodes],
                y=[layout.pos[n.id][1] for n in nodes],
                mode="markers+text" if side else "markers",
                name=name,
                text=[n.label for n in nodes],
                textposition="top center",
                textfont=dict(size=10),
                marker=dict(symbol=symbol, color=colour, size=size, line=dict(width=1, color="white")),
                customdata=[[n.op, n.target, fmt_shape(n.shape), n.n_params] for n in nodes],
                hovertemplate="<b>%{customdata[1]}</b><br>op: %{customdata[0]}<br>"
                "shape: %{customdata[2]}<br>parameters: %{customdata[3]:,}<extra></extra>",
            )
        )
    # Operation labels stand a little left of their nodes, leaving a lane for skip connections.
    data = [n for n in graph.nodes if n.kind not in ("param", "buffer")]
    fig.add_trace(
        go.Scatter(
            x=[layout.pos[n.id][0] - 0.55 for n in data],
            y=[layout.pos[n.id][1] for n in data],
            mode="text",
            text=[n.label for n in data],
            textposition="middle left",
            textfont=dict(size=12),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    xs = [x for x, _ in layout.pos.values()]
    fig.update_xaxes(visible=False, range=[min(xs) - 3.6, max(xs) + 1.2])
    fig.update_yaxes(visible=False, range=[-(layout.n_rows - 1) - 0.6, 0.6])
    fig.update_layout(
        height=150 + ROW_PX * layout.n_rows,
        title=f"Computation graph (batch N = {graph.batch})",
        margin=dict(l=10, r=10, t=90, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0),
        plot_bgcolor="white",
        hoverlabel=dict(align="left"),
    )
    return fig


def steps_figure(steps: list[Step]) -> go.Figure:
    """Every intermediate value of one point's forward pass: one row per op, one cell per unit."""
    width = max(len(s.values) for s in steps)
    z = [s.values + [math.nan] * (width - len(s.values)) for s in steps]
    lim = max(max(abs(v) for v in s.values) for s in steps) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=z,
            y=[s.target for s in steps],
            colorscale="RdBu_r",
            zmid=0,
            zmin=-lim,
            zmax=lim,
            xgap=1,
            ygap=1,
            colorbar=dict(title="value"),
            hovertemplate="%{y}, unit %{x}: %{z:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title="unit (feature index)")
    fig.update_layout(**_small(height=90 + 24 * len(steps), title="One point through the net, op by op"))
    return fig


def timing_figure(rows: list[Timing], graph_name: str) -> go.Figure:
    """Median time per forward pass at each batch size, eager vs graph (log axes)."""
    fig = go.Figure()
    for name, colour, key in (("eager", EAGER, "eager_s"), (graph_name, GRAPH, "graph_s")):
        fig.add_trace(
            go.Scatter(
                x=[r.batch for r in rows],
                y=[getattr(r, key) * 1e3 for r in rows],
                mode="lines+markers",
                name=name,
                line=dict(color=colour),
                hovertemplate="batch %{x}: %{y:.3f} ms<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(type="log", title="batch size N", tickvals=[r.batch for r in rows])
    ms = [v * 1e3 for r in rows for v in (r.eager_s, r.graph_s)]
    ticks = _ticks_125(min(ms), max(ms))
    fig.update_yaxes(
        type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], title="ms per forward pass"
    )
    fig.update_layout(**_small(height=330, legend=dict(orientation="h", y=1.08, x=0)))
    return fig


def _ticks_125(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks spanning [lo, hi], for log axes that must be read without knowing 'D1' ticks."""
    k = math.floor(math.log10(lo))
    ticks = [m * 10.0**e for e in range(k, math.ceil(math.log10(hi)) + 1) for m in (1, 2, 5)]
    inside = [t for t in ticks if lo / 2 <= t <= hi * 2]
    return [float(f"{t:.3g}") for t in inside]


def gflops_figure(results: dict[str, list[tuple[int, float]]]) -> go.Figure:
    """Matrix-multiply throughput per device: GFLOP/s against the matrix size n."""
    fig = go.Figure()
    for device, points in results.items():
        fig.add_trace(
            go.Scatter(
                x=[n for n, _ in points],
                y=[r for _, r in points],
                mode="lines+markers",
                name=device,
                hovertemplate="n = %{x}: %{y:.1f} GFLOP/s<extra>" + device + "</extra>",
            )
        )
    sizes = sorted({n for pts in results.values() for n, _ in pts})
    fig.update_xaxes(type="log", title="matrix size n (n x n @ n x n)", tickvals=sizes)
    fig.update_yaxes(rangemode="tozero", title="GFLOP/s (2 n³ / seconds)")
    fig.update_layout(**_small(height=330, legend=dict(orientation="h", y=1.08, x=0)))
    return fig
