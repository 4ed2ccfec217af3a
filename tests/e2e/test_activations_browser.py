"""The Activations page in a real browser: a deep link renders its charts, with no traceback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def test_deep_link_draws_the_charts(server, page):
    page.goto(f"{server}/Activations?activation=sigmoid&x=-4")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)  # f / f', and f'(z)^L through depth
    assert page.locator(".js-plotly-plot").count() == 2
    # The link's values are on the page, and the URL now spells out the whole view.
    assert page.get_by_text("sigmoid: the function and its slope").count() == 1
    assert page.locator("[data-testid='stMetric']").filter(has_text="f'(-4)").count() == 1
    query = parse_qs(urlsplit(page.url).query)
    assert query["activation"] == ["sigmoid"] and query["x"] == ["-4.0"] and "depth" in query
    # Out at x = -4 the sigmoid is on its flat rail: the page says so.
    alerts = " ".join(page.locator("[data-testid='stAlert']").all_inner_texts())
    assert "saturated" in alerts
    assert page.get_by_role("link", name="Train sigmoid at depth 10").count() == 1
