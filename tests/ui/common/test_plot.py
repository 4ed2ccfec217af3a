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


def test_shared_builds_an_ended_trainings_figure_once_for_every_page_receiving_it():
    """ui.common.plot.shared: pages that received one ended training (the same `source`) get one
    build of each figure, equal to what each would have built; a page's own run, a live one, or
    another epoch count, status or language is built on its own."""
    from dataclasses import replace

    from core.base.i18n import language, set_language
    from core.contract.config import MLPConfig
    from core.engine.training import train
    from ui.common.plot import shared
    from ui.labs import training_charts as charts

    run = train(MLPConfig(n_samples=120, depth=3, width=8, epochs=3))
    calls = []

    def heatmap(history, measure):
        calls.append((id(history), measure, language()))
        return charts.grad_heatmap_figure(history, measure)

    ann, bob = replace(run, source=("job", 9101)), replace(run, source=("job", 9101))
    own, live = replace(run, source=None), replace(run, source=("job", 9101), status="running")
    shorter = replace(run, source=("job", 9101), epochs=run.epochs[:2])
    before = language()
    try:
        set_language("en")
        first, again = shared(heatmap, ann, "grad_rms"), shared(heatmap, bob, "grad_rms")
        assert len(calls) == 1 and again is first  # one build for both pages
        assert first == charts.grad_heatmap_figure(bob, "grad_rms")  # the figure each would have built
        shared(heatmap, bob, "grad_norm")  # another argument: its own build
        shared(heatmap, own, "grad_rms")
        shared(heatmap, own, "grad_rms")  # a page's own run: built every time
        shared(heatmap, live, "grad_rms")  # a live run: built every time
        assert shared(heatmap, shorter, "grad_rms") == charts.grad_heatmap_figure(shorter, "grad_rms")
        set_language("ko")
        korean = shared(heatmap, ann, "grad_rms")
    finally:
        set_language(before)
    assert len(calls) == 7 and korean is not first
    assert calls[-1][2] == "ko"


def test_shared_pages_receiving_the_end_together_wait_for_one_build():
    """ui.common.plot.shared under a class: 12 pages of one training ask for its figure at the
    same moment (they receive its end together); one builds it and the others wait for that
    build (before, each page that came while it was being built built it too). A build that fails
    fails its own page only: the waiting pages then build it themselves."""
    import threading
    import time
    from dataclasses import replace

    from core.contract.config import MLPConfig
    from core.engine.training import train
    from ui.common.plot import shared
    from ui.labs import training_charts as charts

    run = train(MLPConfig(n_samples=120, depth=3, width=8, epochs=3))
    builds, start = [], threading.Barrier(12)

    def slow_heatmap(history, measure):
        builds.append(threading.get_ident())
        time.sleep(0.3)  # long enough that every page asks while it is being built
        return charts.grad_heatmap_figure(history, measure)

    pages = [replace(run, source=("job", 9202)) for _ in range(12)]
    got = [None] * 12

    def page(i):
        start.wait()
        got[i] = shared(slow_heatmap, pages[i], "grad_rms")

    threads = [threading.Thread(target=page, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(builds) == 1
    assert all(g is got[0] for g in got) and got[0] == charts.grad_heatmap_figure(run, "grad_rms")

    failures, second = [], threading.Barrier(3)

    def failing_then_fine(history, measure):
        failures.append(1)
        if len(failures) == 1:
            time.sleep(0.3)
            raise RuntimeError("the first build fails")
        return charts.grad_heatmap_figure(history, measure)

    results, errors = [], []

    def page2():
        second.wait()
        try:
            results.append(shared(failing_then_fine, replace(run, source=("job", 9203)), "grad_rms"))
        except RuntimeError as err:
            errors.append(str(err))

    threads = [threading.Thread(target=page2) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == ["the first build fails"]
    assert len(results) == 2 and all(r == charts.grad_heatmap_figure(run, "grad_rms") for r in results)
