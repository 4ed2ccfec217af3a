"""History page in AppTest: first in the course, one step at a time (slider, buttons, URL), and
each step's links open the pages the timeline names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.lessons.history import BY_KEY, EVENTS

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGE = "pages/0_History.py"


def app(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def links(at: AppTest) -> list[tuple[str, str]]:
    """(page name, query string) of every page link on the page."""
    return [(pl.proto.page, pl.proto.query_string) for pl in at.main.get("page_link")]


def shown(at: AppTest) -> str:
    return at.subheader[0].value


def test_opens_on_the_first_step():
    at = app()
    assert not at.exception
    assert at.title[0].value.startswith("From switches to deep learning")
    first = EVENTS[0]
    assert shown(at) == f"{first.when}: {first.title}"
    assert any(first.what[:40] in m.value for m in at.markdown)
    assert [page for page, _ in links(at)] == ["Neuron"]
    assert at.button(key="history.prev").disabled and not at.button(key="history.next").disabled
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    dots = fig["data"][-2]
    assert len(dots["x"]) == len(EVENTS) and dots["marker"]["size"][0] > dots["marker"]["size"][1]


def test_next_and_previous_walk_one_step_and_keep_it_in_the_url():
    at = app()
    for event in EVENTS[1:4]:
        at.button(key="history.next").click().run()
        assert not at.exception
        assert shown(at) == f"{event.when}: {event.title}"
        assert at.query_params["step"] == event.key
    at.button(key="history.prev").click().run()
    assert shown(at) == f"{EVENTS[2].when}: {EVENTS[2].title}"


@pytest.mark.parametrize("event", EVENTS, ids=[e.key for e in EVENTS])
def test_a_link_to_each_step_shows_it_with_its_links(event):
    at = app(step=event.key)
    assert not at.exception
    assert shown(at) == f"{event.when}: {event.title}"
    got = links(at)
    assert [page for page, _ in got] == [Path(link.page).stem.split("_", 1)[1] for link in event.links]
    for (_, query), link in zip(got, event.links):
        params = link.params()
        assert query == ("&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    no_page = [i.value for i in at.info if "No page of this lab" in i.value]
    assert bool(no_page) == (not event.links)


def test_a_bad_step_in_the_link_opens_the_first():
    at = app(step="1066")
    assert not at.exception
    assert any("'1066' is not on the timeline" in w.value for w in at.warning)
    assert shown(at) == f"{EVENTS[0].when}: {EVENTS[0].title}"


def test_the_slider_moves_to_backpropagation():
    at = app()
    at.select_slider(key="history.step").set_value("1986").run()
    assert at.query_params["step"] == "1986"
    assert shown(at) == f"1986: {BY_KEY['1986'].title}"
    assert [page for page, _ in links(at)] == ["Neuron", "Neuron"]
