"""Plotly builders for the Convolution page: arrays in, figure dicts out (drawn with ui.common.plot.chart,
which sends a dict as built; the tests build each into a validated go.Figure). No widgets, no maths.

Images are heatmaps with row 0 at the top and square pixels; the axes count pixels in the
unpadded image's coordinates, so padding cells sit at -1, -2, ... and n, n+1, .... Small arrays
get their numbers printed on the cells. A chosen window or cell is outlined in red.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.base.i18n import _

HIGHLIGHT = "#d62728"
PRINT_UP_TO = 16  # print every value on images at most this many cells on a side
DIVERGING = "RdBu_r"  # negative blue, 0 white, positive red: edge maps have both signs


def fmt(v: float, digits: int = 4) -> str:
    """A value as short text: whole numbers bare, others to `digits` significant digits."""
    if not math.isfinite(v):
        return ""
    return str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:.{digits}g}"


def _texts(values: np.ndarray, digits: int = 4) -> list[list[str]]:
    return [[fmt(float(v), digits) for v in row] for row in values]


def _rect(r0: float, c0: float, r1: float, c1: float, colour: str = HIGHLIGHT, **line: object) -> dict:
    """A rectangle around cells r0..r1 x c0..c1 (inclusive), in data coordinates."""
    return dict(
        type="rect",
        x0=c0 - 0.5,
        x1=c1 + 0.5,
        y0=r0 - 0.5,
        y1=r1 + 0.5,
        line=dict(color=colour, width=line.pop("width", 2), **line),
    )


def _scale(
    values: np.ndarray, colorscale: str | None, like: np.ndarray | None = None, signed: bool = False
) -> dict:
    """Grey for images; a diverging scale centred on 0 for values of both signs (or `signed`).
    `like`: take the range from this array, so a patch or a pooled map is coloured as its source."""
    ref = np.asarray(values if like is None else like, dtype=np.float64)
    finite = ref[np.isfinite(ref)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if signed or (colorscale is None and lo < 0 < hi):
        m = max(-lo, hi) or 1.0
        return dict(colorscale=DIVERGING, zmin=-m, zmax=m)
    return dict(colorscale=colorscale or "gray", zmin=lo, zmax=hi if hi > lo else lo + 1)


def _heatmap(
    values: np.ndarray,
    row0: int = 0,
    col0: int = 0,
    colorscale: str | None = None,
    like: np.ndarray | None = None,
    signed: bool = False,
    **kw: object,
) -> dict:
    h, w = values.shape
    trace = dict(
        type="heatmap",
        z=values,
        x0=col0,  # cell (i, j) sits at (col0 + j, row0 + i): no coordinate arrays to send
        dx=1,
        y0=row0,
        dy=1,
        hovertemplate=_("row %{y}, column %{x}: %{z:.4g}") + "<extra></extra>",
        **_scale(values, colorscale, like, signed),
        **kw,
    )
    if max(h, w) <= PRINT_UP_TO:
        trace.update(text=_texts(values), texttemplate="%{text}", textfont=dict(size=13))
    return trace


def _square_axes(height: int, title: str) -> dict:
    return dict(
        title=dict(text=title, font=dict(size=14)),
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(constrain="domain", showgrid=False, zeroline=False, ticks=""),
        yaxis=dict(
            autorange="reversed",
            scaleanchor="x",
            constrain="domain",
            showgrid=False,
            zeroline=False,
            ticks="",
        ),
    )


def input_figure(
    padded: np.ndarray,
    padding: int,
    rows: np.ndarray,
    cols: np.ndarray,
    title: str = "",
    height: int = 420,
) -> dict:
    """The padded input, the unpadded image's border dashed, the kernel's taps outlined in red."""
    h, w = padded.shape
    gray = "gray" if float(np.nanmin(padded)) >= 0 else None
    trace = _heatmap(padded, -padding, -padding, gray, showscale=False)
    shapes = []
    if padding:
        shapes.append(_rect(0, 0, h - 2 * padding - 1, w - 2 * padding - 1, "#1f77b4", dash="dash"))
    # The receptive field: the whole window thin, each tap the kernel reads thick.
    shapes.append(_rect(rows[0], cols[0], rows[-1], cols[-1], width=1, dash="dot"))
    # Every tap's square in one SVG path: one shape instead of k*k keeps the figure quick to build.
    path = " ".join(
        f"M {c - 0.5} {r - 0.5} H {c + 0.5} V {r + 0.5} H {c - 0.5} Z" for r in rows for c in cols
    )
    shapes.append(dict(type="path", path=path, line=dict(color=HIGHLIGHT, width=2)))
    layout = _square_axes(height, title)
    layout["shapes"] = shapes
    return {"data": [trace], "layout": layout}


def map_figure(
    values: np.ndarray,
    cell: tuple[int, int] | None = None,
    title: str = "",
    window: tuple[np.ndarray, np.ndarray] | None = None,
    like: np.ndarray | None = None,
    height: int = 420,
) -> dict:
    """A feature (or pooled) map, with one cell or a window of cells outlined; `like` shares a
    colour scale (a pooled map coloured as the map it came from)."""
    trace = _heatmap(values, like=like, colorbar=dict(thickness=12))
    layout = _square_axes(height, title)
    shapes = []
    if cell is not None:
        shapes.append(_rect(cell[0], cell[1], cell[0], cell[1], width=3))
    if window is not None:
        rows, cols = window
        shapes.append(_rect(rows[0], cols[0], rows[-1], cols[-1], width=3))
    layout["shapes"] = shapes
    return {"data": [trace], "layout": layout}


def grid_figure(
    values: np.ndarray,
    title: str,
    mark: np.ndarray | None = None,
    like: np.ndarray | None = None,
    signed: bool = False,
    height: int = 260,
) -> dict:
    """A small grid with every number printed (NaN cells left blank); `mark` outlines cells,
    `like` colours it as a bigger array, `signed` uses the diverging scale (weights, products)."""
    k = values.shape[0]
    trace = _heatmap(values, like=like, signed=signed, showscale=False)
    trace.update(text=_texts(values), texttemplate="%{text}", textfont=dict(size=14 if k <= 5 else 11))
    layout = _square_axes(height, title)
    layout["xaxis"].update(showticklabels=False)
    layout["yaxis"].update(showticklabels=False)
    if mark is not None:
        layout["shapes"] = [_rect(r, c, r, c, width=3) for r, c in zip(*np.nonzero(mark))]
    return {"data": [trace], "layout": layout}


def rgb_figure(rgb: np.ndarray, title: str = "", height: int = 300) -> go.Figure:
    """A colour image as it is."""
    layout = _square_axes(height, title)
    return go.Figure(data=[go.Image(z=rgb)], layout=layout)


def _axis(name: str, i: int) -> str:
    """Plotly's axis names: x, x2, x3, ... (layout keys xaxis, xaxis2, ...)."""
    return name if i == 0 else f"{name}{i + 1}"


WIDE = 1000  # px: about the width of a full-width chart in the wide layout (heights follow from it)


def maps_figure(maps: np.ndarray, names: list[str], per_row: int = 4) -> dict:
    """K feature maps side by side, each on its own colour scale (axes laid out by hand: fast)."""
    n = len(maps)
    cols = min(n, per_row)
    rows = math.ceil(n / cols)
    mh, mw = maps.shape[-2:]
    title_px, gap_x = 28, 0.02
    width = (1 - gap_x * (cols - 1)) / cols
    row_px = WIDE * width * mh / mw + title_px  # each map as tall as its aspect needs, plus its title
    total = rows * row_px
    traces, layout, notes = [], {}, []
    for i, m in enumerate(maps):
        r, c = divmod(i, cols)
        x0 = c * (width + gap_x)
        top = 1 - r * row_px / total
        bottom = top - (row_px - title_px) / total
        trace = _heatmap(np.asarray(m, dtype=np.float32), showscale=False)  # display only: half the bytes
        trace.update(xaxis=_axis("x", i), yaxis=_axis("y", i))
        traces.append(trace)
        hidden = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")
        layout[f"xaxis{i + 1 if i else ''}"] = dict(domain=[x0, x0 + width], anchor=_axis("y", i), **hidden)
        layout[f"yaxis{i + 1 if i else ''}"] = dict(
            domain=[max(bottom, 0.0), top - title_px / total],
            anchor=_axis("x", i),
            autorange="reversed",
            scaleanchor=_axis("x", i),
            **hidden,
        )
        notes.append(
            dict(
                x=x0 + width / 2,
                y=top - title_px / total,
                xref="paper",
                yref="paper",
                text=names[i],
                showarrow=False,
                yanchor="bottom",
            )
        )
    layout.update(height=int(total) + 20, margin=dict(l=10, r=10, t=10, b=10), annotations=notes)
    return {"data": traces, "layout": layout}


def filters_figure(weights: np.ndarray, names: list[str], width_px: int = 750) -> dict:
    """K filters (columns) x 3 colour slices (rows R, G, B) as one heatmap with blank lines
    between; each filter coloured on its own scale centred on 0 (red positive), since a blur's
    weights are 1/256 and an edge filter's reach 12. Hover and printed numbers are the weights."""
    n, _c, k, _k = weights.shape
    step = k + 1
    big = np.full((3 * step - 1, n * step - 1), np.nan)
    colour = big.copy()
    for i in range(n):
        top = float(np.abs(weights[i]).max()) or 1.0
        for c in range(3):
            big[c * step : c * step + k, i * step : i * step + k] = weights[i, c]
            colour[c * step : c * step + k, i * step : i * step + k] = weights[i, c] / top
    trace = dict(
        type="heatmap",
        z=colour,
        customdata=big,
        colorscale=DIVERGING,
        zmin=-1,
        zmax=1,
        showscale=False,
        hoverongaps=False,
        hovertemplate=_("weight %{customdata:.4g}") + "<extra></extra>",
    )
    if k <= 3:
        trace.update(text=_texts(big, 2), texttemplate="%{text}", textfont=dict(size=11))
    notes = [
        dict(x=i * step + (k - 1) / 2, y=-1, text=name, showarrow=False, yanchor="bottom", font=dict(size=11))
        for i, name in enumerate(names)
    ]
    notes += [
        dict(x=-1, y=c * step + (k - 1) / 2, text=ch, showarrow=False, xanchor="right", font=dict(size=13))
        for c, ch in enumerate("RGB")
    ]
    cell_px = min(width_px / (n * step), 40)  # square cells: the width sets the height
    layout = _square_axes(int(cell_px * 3 * step) + 60, "")
    layout["xaxis"].update(showticklabels=False)
    layout["yaxis"].update(showticklabels=False)
    layout.update(annotations=notes, margin=dict(l=30, r=10, t=40, b=10))
    layout.pop("title")
    return {"data": [trace], "layout": layout}
