"""Sending a figure dict to the page without plotly copying and validating it on every redraw."""

from __future__ import annotations

import plotly.graph_objects as go


class Built(go.Figure):
    """A figure dict handed to st.plotly_chart as it is. st.plotly_chart validates a dict by
    building a graph_objects Figure from it (tens of ms), and turns a Figure into a dict by a
    deep copy (a few ms for the decision plane's 6,400 cells); for a Figure it calls only
    `to_dict()`, so this one skips building entirely and gives back the dict itself. The dicts
    come from ui/*_charts.py, whose tests build them into validated Figures."""

    def __init__(self, figure: dict) -> None:  # noqa: D107 (no Figure.__init__: nothing to build)
        self._spec = figure

    def to_dict(self) -> dict:
        return self._spec


def chart(slot, figure: dict, key: str | None = None) -> None:
    """Draw a figure dict into `slot` (st or a placeholder); plotly writes the JSON with orjson
    (requirements.txt), 10x faster than the standard library on the decision plane."""
    slot.plotly_chart(Built(figure), width="stretch", key=key)
