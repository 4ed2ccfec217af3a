"""The History page's timeline: one row per step, years along x, the current step highlighted."""

from __future__ import annotations

from core.base.i18n import _
from core.lessons.history import Event

DONE, NOW, LATER = "#2b6cb0", "#d62728", "#a0aec0"


def timeline_figure(events: tuple[Event, ...] | list[Event], current: int) -> dict:
    """Each step a row (first at the top): a dot at its year, a bar over a span of years, its
    title beside it. Steps already walked are blue, the current one red, the rest grey.
    A plain dict figure: it is redrawn on every step."""
    n = len(events)
    colour = [DONE if i < current else NOW if i == current else LATER for i in range(n)]
    mid = (events[0].start + events[-1].end) / 2
    traces = [
        dict(
            type="scatter",
            x=[e.start, e.end],
            y=[n - i, n - i],
            mode="lines",
            line=dict(color=colour[i], width=10),
            hoverinfo="skip",
            showlegend=False,
        )
        for i, e in enumerate(events)
        if e.end > e.start
    ]
    right = [e.start < mid for e in events]  # early steps labelled to the right, late ones to the left
    traces.append(
        dict(
            type="scatter",
            x=[(e.start + e.end) / 2 for e in events],
            y=[n - i for i in range(n)],
            mode="markers",
            marker=dict(color=colour, size=[18 if i == current else 11 for i in range(n)]),
            hovertext=[f"{_(e.when)}: {_(e.title)}" for e in events],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    )
    traces.append(  # the labels clear of the bars: beyond a span's end, or before its start
        dict(
            type="scatter",
            x=[e.end + 1 if r else e.start - 1 for e, r in zip(events, right)],
            y=[n - i for i in range(n)],
            mode="text",
            text=[f"{_(e.when)}  {_(e.title)}" for e in events],
            textposition=["middle right" if r else "middle left" for r in right],
            textfont=dict(color=colour, size=[15 if i == current else 12 for i in range(n)]),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    return dict(
        data=traces,
        layout=dict(
            height=60 + 30 * n,
            margin=dict(l=10, r=10, t=10, b=40),
            xaxis=dict(
                title=dict(text=_("year")),
                range=[events[0].start - 4, events[-1].end + 4],
                dtick=10,
                showgrid=True,
                gridcolor="#edf2f7",
            ),
            yaxis=dict(visible=False, range=[0.3, n + 0.7]),
            plot_bgcolor="white",
            hovermode="closest",
        ),
    )
