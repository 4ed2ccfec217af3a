"""The Neuron page in a real browser: it renders without an exception, a backprop Step works, and the
step-vs-sigmoid section has trained."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e
EXCEPTION = "[data-testid='stException']"


def test_neuron_page_and_one_backprop_step(server, page):
    page.goto(f"{server}/Neuron")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator(EXCEPTION).count() == 0
    assert page.get_by_text("3. Backpropagation, worked through").count() == 1
    assert page.get_by_text("0 steps so far").count() == 1
    page.get_by_role("button", name="Step: 1 SGD update").click()
    page.get_by_text("1 step so far").wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=60_000)  # charts draw after the script
    # Section 4 trained both nets: the step's gradients were all exactly zero.
    assert page.get_by_text("4. Why backpropagation needs a slope").count() == 1
    assert page.get_by_text("Step: 100 of 100 gradients were exactly 0").count() == 1
