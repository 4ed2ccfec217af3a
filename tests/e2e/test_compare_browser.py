"""Compare in a real browser: the one-click sigmoid-vs-ReLU comparison draws both runs."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def test_one_click_sigmoid_vs_relu(server, page):
    page.goto(f"{server}/Compare")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    # Fewer epochs keep the test short: the epochs slider takes keyboard input.
    thumb = page.locator("[data-testid='stSlider']").filter(has_text="Epochs").get_by_role("slider")
    thumb.focus()
    for _ in range(25):
        thumb.press("ArrowLeft")
    page.wait_for_selector(READY, timeout=60_000)
    assert page.get_by_text("2 runs: activation=sigmoid, activation=relu").count() == 1
    page.get_by_role("button", name="Run comparison").click()
    page.get_by_role("heading", name="Side by side", exact=True).wait_for(timeout=180_000)
    page.wait_for_selector(READY, timeout=180_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(".legendtext", has_text="activation=relu validation").first.wait_for(timeout=60_000)
    legend = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
    assert "activation=sigmoid validation" in legend and "activation=relu validation" in legend
    assert page.get_by_role("heading", name="What differs", exact=True).count() == 1
