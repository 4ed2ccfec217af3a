"""Sending a figure dict to the page without plotly validating it again on every redraw."""

from __future__ import annotations

import plotly.graph_objects as go


def chart(slot, figure: dict, key: str | None = None) -> None:
    """Draw a figure dict (built by ui/training_charts.py, validated by its tests) into `slot`
    (st or a placeholder). st.plotly_chart validates a dict by building a graph_objects Figure
    (tens of ms); a Figure made with plotly's `_validate=False` goes straight to JSON."""
    slot.plotly_chart(go.Figure(figure, _validate=False), width="stretch", key=key)
