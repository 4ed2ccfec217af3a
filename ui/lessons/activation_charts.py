"""Plotly builders for the Activations page: curves and numbers in, go.Figure out. No widgets.

f(x) and f'(x) share the x axis in two stacked panels (their scales differ: ReLU's f reaches 6
while its slope stays at 1). The depth chart plots |f'(z)|^L on a log axis, because it spans
many orders of magnitude within a few layers.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.base.i18n import _
from core.lessons.activation_lessons import Curves, Peak, Region
from core.lessons.activation_words import region_label

MAIN, OTHER, READ = "#1f77b4", "#7f7f7f", "#d62728"
BACK = "rgba(255, 255, 255, 0.85)"  # behind a label that may sit on a line
SLOW, SLOW_KEY = "rgba(214, 39, 40, 0.10)", "rgba(214, 39, 40, 0.35)"
LAYOUT = dict(
    margin=dict(l=10, r=10, t=40, b=10),
    legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
)


def _hline(y: float, colour: str, dash: str, xref: str = "x2 domain", yref: str = "y2") -> dict:
    return dict(
        type="line", xref=xref, x0=0, x1=1, yref=yref, y0=y, y1=y, line=dict(color=colour, dash=dash, width=1)
    )


def _note(x: float, xref: str, y: float, yref: str, text: str, colour: str, **kw: object) -> dict:
    return dict(x=x, xref=xref, y=y, yref=yref, text=text, showarrow=False, font=dict(color=colour), **kw)


def function_figure(
    main: Curves,
    regions: list[Region],
    peak: Peak,
    threshold: float,
    x0: float,
    read: tuple[float, float],
    other: Curves | None = None,
) -> go.Figure:
    """f (top) and f' (bottom) with the flat regions shaded, the slope's peak and a read-off at x0."""
    # Two panels on one shared x axis, laid out by hand: plotly's row/col helpers (add_vrect,
    # add_hline with row=...) cost ~0.1 s each, and this figure is rebuilt on every slider move.
    top, bottom = ("x", "y"), ("x2", "y2")
    lo, hi = float(main.x[0]), float(main.x[-1])
    traces, shapes, notes = [], [], []

    def line(c: Curves, key: str, axes: tuple[str, str], colour: str, dash: str, width: int) -> dict:
        first = axes == top  # one legend entry per activation, for both panels
        return dict(
            type="scatter",
            x=c.x,
            y=getattr(c, key),
            xaxis=axes[0],
            yaxis=axes[1],
            mode="lines",
            name=c.name,
            legendgroup=c.name,
            showlegend=first,
            line=dict(color=colour, dash=dash, width=width),
        )

    for key, axes in (("f", top), ("df", bottom)):
        if other is not None:
            traces.append(line(other, key, axes, OTHER, "dash", 2))
        traces.append(line(main, key, axes, MAIN, "solid", 3))
    # Slow regions: shaded across both panels, labelled on the slope's panel with what they are.
    for r in regions:
        a, b = max(r.lo, lo), min(r.hi, hi)
        if a < b:
            shapes.append(
                dict(
                    type="rect", xref="x", x0=a, x1=b, yref="paper", y0=0, y1=1, fillcolor=SLOW, line_width=0
                )
            )
            notes.append(_note((a + b) / 2, "x2", 0.8, "y2 domain", region_label(r), READ, bgcolor=BACK))
    if regions:
        traces.append(
            dict(
                type="scatter",
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(size=14, color=SLOW_KEY, symbol="square"),
                name=_("slow: |f'| < {thr:.3g}, 10% of max").format(thr=threshold),
            )
        )
    # The slope's best case, and the 10% line that defines "slow" (both signs if f' dips below).
    shapes.append(_hline(peak.value, MAIN, "dot"))
    notes.append(
        _note(
            0,
            "x2 domain",
            peak.value,
            "y2",
            _("max f' = {v:.4g}").format(v=peak.value),
            MAIN,
            xanchor="left",
            yanchor="bottom",
        )
    )
    shapes.append(_hline(threshold, READ, "dot"))
    notes.append(
        _note(
            1,
            "x2 domain",
            threshold,
            "y2",
            _("10% of max = {v:.3g}").format(v=threshold),
            READ,
            xanchor="right",
            yanchor="bottom",
        )
    )
    if float(np.min(main.df)) < -threshold:  # GELU: its slope dips below -threshold
        shapes.append(_hline(-threshold, READ, "dot"))
    if peak.x is not None and lo <= peak.x <= hi:
        traces.append(
            dict(
                type="scatter",
                x=[peak.x],
                y=[peak.value],
                xaxis="x2",
                yaxis="y2",
                mode="markers",
                marker=dict(color=MAIN, size=12, symbol="star"),
                name=_("max f'"),
                hovertemplate=_("max f' = %{y:.4g} at x = %{x:.3g}") + "<extra></extra>",
            )
        )
    # The read-off: a vertical line through both panels and a labelled marker on each curve.
    shapes.append(
        dict(type="line", xref="x", x0=x0, x1=x0, yref="paper", y0=0, y1=1, line=dict(color=READ, width=1))
    )
    for axes, y, label in ((top, read[0], "f"), (bottom, read[1], "f'")):
        traces.append(
            dict(
                type="scatter",
                x=[x0],
                y=[y],
                xaxis=axes[0],
                yaxis=axes[1],
                mode="markers+text",
                marker=dict(color=READ, size=10),
                text=[f"{label}({x0:g}) = {y:.4g}"],
                textposition="middle right" if x0 < (lo + hi) / 2 else "middle left",
                textfont=dict(color=READ),
                showlegend=False,
                hovertemplate=f"{label}(%{{x:.3g}}) = %{{y:.4g}}<extra></extra>",
            )
        )
    title = dict(xref="paper", x=0.5, showarrow=False, yanchor="bottom", font=dict(size=14))
    notes += [
        dict(**title, yref="paper", y=1.0, text=_("f(x), what the unit outputs")),
        dict(**title, yref="paper", y=0.46, text=_("f'(x), the factor backprop multiplies the gradient by")),
    ]
    layout = dict(
        **{**LAYOUT, "margin": dict(l=10, r=10, t=80, b=10)},
        height=600,
        hovermode="closest",
        xaxis=dict(anchor="y", matches="x2", showticklabels=False),
        yaxis=dict(domain=[0.54, 1.0], title_text="f(x)"),
        xaxis2=dict(anchor="y2", title_text=_("x (the pre-activation)")),
        yaxis2=dict(domain=[0.0, 0.46], title_text="f'(x)"),
        shapes=shapes,
        annotations=notes,
    )
    layout["legend"] = dict(orientation="h", yanchor="bottom", y=1.07, x=0)
    return go.Figure(data=traces, layout=layout)


def depth_figure(rows: dict[str, np.ndarray], depth: int, z: float) -> go.Figure:
    """|f'(z)|^L against L on a log axis, one line per activation, the chosen L marked."""
    traces, notes = [], []
    n = max(len(p) for p in rows.values())
    for i, (name, products) in enumerate(rows.items()):
        mag = np.abs(products)
        colour, dash = (MAIN, "solid") if i == 0 else (OTHER, "dash")
        if not np.any(mag > 0):  # a log axis cannot draw 0: say so instead
            text = _("{name}: f'({z:g}) = 0, so nothing is left after even one layer").format(name=name, z=z)
            notes.append(  # bottom left: where a decaying or steady line never is
                _note(
                    0.01,
                    "paper",
                    0.04 + 0.08 * i,
                    "paper",
                    text,
                    colour,
                    font_size=14,
                    xanchor="left",
                    bgcolor=BACK,
                )
            )
            continue
        traces.append(
            dict(
                type="scatter",
                x=np.arange(1, len(mag) + 1),
                y=mag,
                mode="lines+markers",
                name=f"|{name}'({z:g})|^L",
                line=dict(color=colour, width=3 if i == 0 else 2, dash=dash),
                marker=dict(size=5),
                hovertemplate=_("{name}, L = %{{x}}: %{{y:.3g}}").format(name=name) + "<extra></extra>",
            )
        )
        if depth <= len(mag):
            traces.append(
                dict(
                    type="scatter",
                    x=[depth],
                    y=[mag[depth - 1]],
                    mode="markers+text",
                    marker=dict(color=READ, size=12),
                    text=[f"L = {depth}: {mag[depth - 1]:.2g}"],
                    textposition="top right",
                    textfont=dict(color=READ),
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    # Reference lines. On a log axis plotly places annotations in log10 units, so they sit at
    # log10(y); the range always spans 1 down to a millionth, so two charts compare at a glance.
    shapes = []
    for y, text, colour, dash in (
        (1.0, _("all of it"), "black", "solid"),
        (1e-6, _("a millionth"), READ, "dot"),
    ):
        shapes.append(_hline(y, colour, dash, xref="paper", yref="y"))
        notes.append(_note(1, "paper", math.log10(y), "y", text, colour, xanchor="right", yanchor="bottom"))
    drawn = np.concatenate([np.abs(p)[np.abs(p) > 0] for p in rows.values()] + [np.array([1.0, 1e-6])])
    lo, hi = math.log10(drawn.min()), math.log10(drawn.max())
    pad = max(0.06 * (hi - lo), 0.6)  # room above for the marker's label
    layout = dict(
        **LAYOUT,
        height=380,
        shapes=shapes,
        annotations=notes,
        xaxis=dict(title_text=_("L, layers the gradient passes back through"), range=[0.5, n + 0.5], dtick=5),
        yaxis=dict(
            type="log",
            range=[lo - pad, hi + pad],
            title_text=_("share of the gradient left"),
            exponentformat="power",
        ),
    )
    return go.Figure(data=traces, layout=layout)
