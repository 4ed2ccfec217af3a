"""Plotly builders for the graph sections of Tensors & graphs: the model graph, one point op by
op, eager vs compiled timings, matrix-multiply throughput. No widgets (tensors:
ui/tensors_graphs/tensor_charts)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from core.base.i18n import N_, _
from core.tensors_graphs.graph_runs import Step, Timing
from core.tensors_graphs.graphs import SIDE, Layout, ModelGraph, fmt_shape

EAGER, COMPILED = "#1f77b4", "#ff7f0e"
KINDS = {  # kind -> (legend name, marker symbol, colour, size); TensorFlow's word in brackets
    "input": (N_("input [placeholder]"), "diamond", "#2f855a", 16),
    "op": (N_("operation"), "square", "#2b6cb0", 16),
    "param": (N_("parameter, learned [variable]"), "circle", "#dd6b20", 11),
    "buffer": (N_("buffer, running statistic [non-trainable variable]"), "circle-open", "#718096", 11),
    "const": (N_("number in the graph [constant]"), "circle", "#805ad5", 11),
    "output": (N_("output [fetch]"), "diamond", "#b83280", 16),
}
ROW_PX = 46  # vertical pixels per graph layer: room for a label between two nodes


def _small(**kw: object) -> dict:
    return {"margin": dict(l=10, r=10, t=40, b=10), **kw}


def _arrow_tips(px: list[float], py: list[float], x_px: float = 80.0) -> tuple[list[float], list[float]]:
    """The last segment of an edge, ending ~11 px short of the node it points at (the marker's
    edge): plotly turns an 'arrow' marker along the line from its previous point."""
    (xa, ya), (xb, yb) = (px[-2], py[-2]), (px[-1], py[-1])
    length = math.hypot((xb - xa) * x_px, (yb - ya) * ROW_PX) or 1.0
    f = min(0.45, 11 / length)
    return [xa, xb - (xb - xa) * f], [ya, yb - (yb - ya) * f]


def graph_figure(graph: ModelGraph, layout: Layout, title: str = "") -> go.Figure:
    """The computation graph top to bottom: operations in a column, each one's parameters to its
    right, every edge an arrow labelled with the shape of the tensor it carries."""
    kind = {n.id: n.kind for n in graph.nodes}
    fig = go.Figure()
    # Edges: data in dark grey, parameters feeding an operation in light grey.
    for is_param, colour in ((False, "#4a5568"), (True, "#cbd5e0")):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e, (px, py) in zip(graph.edges, layout.paths):
            if (kind[e.src] in SIDE) == is_param:
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
            if (kind[e.src] in SIDE) == light:
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
            for e, xy, (px, _py) in zip(graph.edges, layout.label_at, layout.paths)
            if kind[e.src] not in SIDE and (len(px) > 2) == skip
        ]
        fig.add_trace(
            go.Scatter(
                x=[x + dx for _e, (x, _y) in data],
                y=[y for _e, (_x, y) in data],
                mode="text",
                text=[fmt_shape(e.shape) for e, _xy in data],
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
        side = k in SIDE  # parameters and constants: name and shape above the dot
        fig.add_trace(
            go.Scatter(
                x=[layout.pos[n.id][0] for n in nodes],
                y=[layout.pos[n.id][1] for n in nodes],
                mode="markers+text" if side else "markers",
                name=_(name),
                text=[n.label for n in nodes],
                textposition="top center",
                textfont=dict(size=10),
                marker=dict(symbol=symbol, color=colour, size=size, line=dict(width=1, color="white")),
                customdata=[[n.op, n.target, fmt_shape(n.shape), n.n_params] for n in nodes],
                hovertemplate="<b>%{customdata[1]}</b><br>"
                + _("op: %{customdata[0]}<br>shape: %{customdata[2]}<br>parameters: %{customdata[3]:,}")
                + "<extra></extra>",
            )
        )
    # Operation labels stand a little left of their nodes, leaving a lane for skip connections.
    data = [n for n in graph.nodes if n.kind not in SIDE]
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
    xs = [x for x, _y in layout.pos.values()]
    fig.update_xaxes(visible=False, range=[min(xs) - 3.6, max(xs) + 1.2])
    fig.update_yaxes(visible=False, range=[-(layout.n_rows - 1) - 0.6, 0.6])
    fig.update_layout(
        height=150 + ROW_PX * layout.n_rows,
        title=title or _("Computation graph (batch N = {n})").format(n=graph.batch),
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
            colorbar=dict(title=_("value")),
            hovertemplate=_("%{y}, unit %{x}: %{z:.4f}") + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=_("unit (feature index)"))
    fig.update_layout(**_small(height=90 + 24 * len(steps), title=_("One point through the net, op by op")))
    return fig


def timing_figure(rows: list[Timing]) -> go.Figure:
    """Median time per forward pass at each batch size, eager vs compiled (log axes)."""
    fig = go.Figure()
    for name, colour, key in ((_("eager"), EAGER, "eager_s"), (_("torch.compile"), COMPILED, "compiled_s")):
        fig.add_trace(
            go.Scatter(
                x=[r.batch for r in rows],
                y=[getattr(r, key) * 1e3 for r in rows],
                mode="lines+markers",
                name=name,
                line=dict(color=colour),
                hovertemplate=_("batch %{x}: %{y:.3f} ms") + "<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(type="log", title=_("batch size N"), tickvals=[r.batch for r in rows])
    ms = [v * 1e3 for r in rows for v in (r.eager_s, r.compiled_s)]
    ticks = _ticks_125(min(ms), max(ms))
    fig.update_yaxes(
        type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], title=_("ms per forward pass")
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
                x=[n for n, _r in points],
                y=[r for _n, r in points],
                mode="lines+markers",
                name=device,
                hovertemplate=_("n = %{x}: %{y:.1f} GFLOP/s") + "<extra>" + device + "</extra>",
            )
        )
    sizes = sorted({n for pts in results.values() for n, _r in pts})
    fig.update_xaxes(type="log", title=_("matrix size n (n x n @ n x n)"), tickvals=sizes)
    fig.update_yaxes(rangemode="tozero", title=_("GFLOP/s (2 n³ / seconds)"))
    fig.update_layout(**_small(height=330, legend=dict(orientation="h", y=1.08, x=0)))
    return fig
