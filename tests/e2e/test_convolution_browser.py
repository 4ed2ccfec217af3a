"""The Convolution page in a real browser: a deep link draws the feature map and prints the shape
formula with its numbers; a typed kernel that is not numbers is refused with the reason."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def test_deep_link_draws_the_feature_map_and_the_formula(server, page):
    page.goto(f"{server}/Convolution?source=edge&kernel=sobel_x_3x3&padding=1&stride=2")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    plots = page.locator(".js-plotly-plot")
    plots.nth(11).wait_for(timeout=60_000)  # kernel, input, map, 3 grids, RGB, filters, maps, 3 pooling
    # The feature map is drawn: its title, and a heatmap image inside its plot.
    fmap = plots.filter(has_text="Feature map 4x4").first
    fmap.wait_for(timeout=30_000)
    assert fmap.locator(".hm image").count() >= 1
    formula = "floor((8 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = floor(7 / 2) + 1 = 4"
    assert page.get_by_text(formula).first.is_visible()
    query = parse_qs(urlsplit(page.url).query)
    assert query["source"] == ["edge"] and query["stride"] == ["2"] and "pool_size" in query

    # Type a kernel with a word in it: the page names the row and column, nothing breaks.
    page.get_by_text("Type my own kernel").click()
    page.wait_for_selector(READY, timeout=60_000)
    area = page.locator("textarea").first
    area.fill("1 2 3\n4 oops 6\n7 8 9")
    area.press("Control+Enter")  # Streamlit applies a text area on Ctrl+Enter (or on blur)
    alert = page.locator("[data-testid='stAlert']").filter(has_text="row 2, column 2")
    alert.wait_for(timeout=60_000)
    assert "'oops' is not a number" in alert.inner_text()
    page.wait_for_selector(READY, timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text(formula).first.is_visible()  # the last valid kernel still gives its map
