"""The History page in a real browser: first in the sidebar, Next walks one step, the step's link
opens the page it names."""

from __future__ import annotations

import pytest

from core.lessons.history import EVENTS
from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def test_walk_the_timeline_and_follow_a_link(server, page):
    page.goto(f"{server}/History")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    links = page.locator("[data-testid='stSidebar'] [data-testid='stPageLink'] a")
    links.nth(9).wait_for(timeout=30_000)  # all ten pages listed (drawn as the script runs)
    nav = links.all_inner_texts()
    names = [n.strip().split("\n")[-1] for n in nav]  # the sidebar's list, drawn by ui/common/nav.py
    assert names[:2] == ["Home", "History"], names  # History first after the home page
    assert page.locator("[data-testid='stSidebarNav']").count() == 0  # Streamlit's own list is off
    page.get_by_text(f"{EVENTS[0].when}: {EVENTS[0].title}").wait_for(timeout=30_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the timeline is drawn
    page.get_by_role("button", name="Next ▶").click()
    page.get_by_text(f"{EVENTS[1].when}: {EVENTS[1].title}").wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert "step=1958" in page.url
    page.get_by_role("link", name="Neuron, section 2").click()
    page.get_by_text("2. The perceptron learns a line").wait_for(timeout=120_000)
    assert page.url.split("?")[0].endswith("/Neuron")
    assert page.locator("[data-testid='stException']").count() == 0
