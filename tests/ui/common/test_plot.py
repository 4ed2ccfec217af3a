"""ui.common.plot.chart hands a figure dict to st.plotly_chart untouched: the page receives exactly
that figure (no copy, no validation on the way), and a dict plotly would refuse still fails
loudly in the charts' own tests, where they are built into validated Figures."""

import json

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from ui.common.plot import Built


def _page():
    import streamlit as st

    from ui.common.plot import chart

    figure = {
        "data": [{"type": "scatter", "x": [1, 2, 3], "y": [0.5, 0.25, 0.125], "name": "기울기"}],
        "layout": {"title": {"text": "loss"}, "height": 320, "yaxis": {"type": "log"}},
    }
    chart(st, figure, key="c")
    st.session_state["sent"] = figure


def test_the_page_receives_the_figure_as_built():
    at = AppTest.from_function(_page, default_timeout=30).run()
    assert not at.exception
    (element,) = at.get("plotly_chart")
    spec = json.loads(element.proto.spec)
    sent = at.session_state["sent"]
    assert spec["data"] == sent["data"]
    assert spec["layout"]["title"] == sent["layout"]["title"] and spec["layout"]["height"] == 320
    go.Figure(spec)  # what arrived is a figure plotly accepts


def test_built_gives_back_the_same_dict_without_copying():
    figure = {"data": [], "layout": {}}
    assert Built(figure).to_dict() is figure


def test_once_builds_a_figure_once_per_language_and_arguments():
    """ui.common.plot.once: the figure function runs once per (language, arguments); later calls get
    the same validated dict, and another language gets its own build, in its own words."""
    from core.base.i18n import _, language, set_language
    from ui.common.plot import once

    calls = []

    @once
    def figure(n: int) -> go.Figure:
        calls.append((language(), n))
        return go.Figure(go.Bar(y=list(range(n))), layout={"title": {"text": _("loss")}})

    before = language()
    try:
        set_language("en")
        first, again, other = figure(3), figure(3), figure(4)
        set_language("ko")
        korean = figure(3)
    finally:
        set_language(before)
    assert calls == [("en", 3), ("en", 4), ("ko", 3)]
    assert again.to_dict() is first.to_dict()
    assert list(first.to_dict()["data"][0]["y"]) == [0, 1, 2]
    assert list(other.to_dict()["data"][0]["y"]) == [0, 1, 2, 3]
    assert first.to_dict()["layout"]["title"]["text"] == "loss"
    assert korean.to_dict()["layout"]["title"]["text"] == "손실"
    go.Figure(first.to_dict())  # a figure plotly accepts
