"""The tensors & graphs page in a real browser: it loads without errors and draws the model graph."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def test_page_loads_and_draws_the_graph(server, page):
    page.goto(f"{server}/Tensors_Graphs")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    # Plotly draws after the script settles (its library loads lazily): wait for the charts.
    page.locator(".js-plotly-plot").nth(3).wait_for(timeout=60_000)  # matrix, image, batch, graph...
    page.get_by_text("Computation graph (batch N = 4)").first.wait_for(timeout=60_000)
    # TensorFlow's words: the tiny graph with every kind of node, drawn from its fx trace.
    page.get_by_text("y = relu(x @ W + 1) * 0.5: every kind of node").first.wait_for(timeout=60_000)
    # An invalid reshape explains itself in an alert.
    box = page.get_by_label("New shape (one size may be -1)")
    box.fill("5, 5")
    box.press("Enter")
    page.get_by_text("cannot reshape (2, 3, 4)").first.wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
