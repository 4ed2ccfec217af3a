"""Plotly builders for the class board: published runs (core.runs.board.Entry) in, figures out.

A nickname is whatever a visitor typed: plotly reads a subset of HTML in trace text and names
(<b>, <a href>, <br>), so every nickname goes through `plain` (HTML-escaped) before it reaches a
figure, and is shown exactly as typed.
"""

from __future__ import annotations

import html
import math

import plotly.graph_objects as go

from core.base.i18n import _
from core.runs.board import Entry
from core.runs.board_groups import groups, summary
from ui.compare.compare_charts import PALETTE
from ui.labs.training_charts import LAYOUT

MEASURES = ("ratio", "gap")
LABELLED = 6  # a group of at most this many points has their nicknames written beside them


def plain(text: str) -> str:
    """Text for a plotly figure that plotly shows as typed (its tags and entities escaped)."""
    return html.escape(text, quote=False)


def value_of(entry: Entry, measure: str) -> float | None:
    v = entry.ratio if measure == "ratio" else entry.gap
    if v is None or not math.isfinite(v) or (measure == "ratio" and v <= 0):
        return None
    return v


def measure_title(measure: str) -> str:
    if measure == "ratio":
        return _("first layer / last layer gradient (last epoch)")
    return _("validation loss - training loss (last epoch)")


def board_figure(entries: list[Entry], knob: str, measure: str = "ratio") -> go.Figure:
    """Every published run's measure, one column per value of `knob`, each point named by its
    nickname; a bar marks each group's median."""
    fig = go.Figure()
    by = groups(entries, knob)
    medians = {
        r["value"]: r["median_ratio" if measure == "ratio" else "median_gap"] for r in summary(entries, knob)
    }
    for i, (value, members) in enumerate(by.items()):
        pts = [(e, value_of(e, measure)) for e in members]
        pts = [(e, v) for e, v in pts if v is not None]
        n = len(pts)
        xs = [i + (0.7 * (j - (n - 1) / 2) / n if n > 1 else 0.0) for j in range(n)]  # spread in its column
        labelled = n <= LABELLED  # more names would cover each other: on hover, and in the table
        names = [plain(e.nickname) for e, _v in pts]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[v for _e, v in pts],
                mode="markers+text" if labelled else "markers",
                text=names,
                textposition="top center",
                textfont=dict(size=11),
                marker=dict(size=10, color=PALETTE[i % len(PALETTE)], line=dict(width=1, color="white")),
                name=f"{knob} = {value}",
                hovertemplate="%{text}<br>"
                + (_("ratio") if measure == "ratio" else _("gap"))
                + ": %{y:.3g}<extra>" + plain(f"{knob} = {value}") + "</extra>",
            )
        )  # fmt: skip
        mid = medians.get(value)
        if mid is not None and math.isfinite(mid) and (measure != "ratio" or mid > 0):
            fig.add_trace(
                go.Scatter(
                    x=[i - 0.35, i + 0.35],
                    y=[mid, mid],
                    mode="lines",
                    line=dict(color=PALETTE[i % len(PALETTE)], width=3),
                    showlegend=False,
                    hovertemplate=_("median of {n}: {value}").format(n=len(members), value="%{y:.3g}")
                    + "<extra></extra>",
                )
            )
    if measure == "ratio":
        fig.add_hline(y=1, line=dict(color="grey", dash="dot"))
        fig.add_hline(y=1e-3, line=dict(color="firebrick", dash="dot"))
        fig.add_annotation(  # on a log axis an annotation's y is the exponent
            x=1, xref="paper", y=-3, yref="y", text=_("vanishing below 1e-3"), showarrow=False,
            xanchor="right", yanchor="bottom", font=dict(color="firebrick"),
        )  # fmt: skip
        fig.update_yaxes(type="log", exponentformat="power")
    else:
        fig.add_hline(y=0, line=dict(color="grey", dash="dot"))
    fig.update_yaxes(title=measure_title(measure))
    fig.update_xaxes(
        title=knob,
        tickvals=list(range(len(by))),
        ticktext=[plain(v) for v in by],
        range=[-0.6, len(by) - 0.1],
    )
    fig.update_layout(**{**LAYOUT, "height": 420, "showlegend": False})
    return fig
