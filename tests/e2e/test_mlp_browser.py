"""The MLP lab in a real browser: a share link restores the experiment, Train draws the charts."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots"))


EPOCH_TRACES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(d => {
    const axes = Object.keys(d.layout || {}).filter(k => k.startsWith('xaxis'));
    const byEpoch = axes.some(k => ((d.layout[k].title || {}).text || '') === 'epoch');
    return byEpoch ? d.data.filter(t => t.x).map(t => t.x.length) : [];
})"""


def _wait_ready(page, timeout=120_000):
    page.wait_for_selector(READY, timeout=timeout)


def test_share_link_train_and_gradient_flow(server, page):
    link = f"{server}/MLP_Lab?depth=6&activation=sigmoid&epochs=8&seed=7&dataset=moons"
    page.goto(link)
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    # The link's settings are on the controls, and the URL now spells out the whole config.
    depth = page.locator("[data-testid='stSlider']").filter(has_text="Hidden layers")
    assert depth.locator("input[type=range]").get_attribute("value") == "6"
    query = parse_qs(urlsplit(page.url).query)
    assert query["depth"] == ["6"] and query["activation"] == ["sigmoid"]
    assert query["seed"] == ["7"] and query["dataset"] == ["moons"] and "lr" in query

    start = time.perf_counter()
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Gradient per layer, log colour").first.wait_for(timeout=60_000)
    first_chart = time.perf_counter() - start
    page.get_by_text("Finished 8 epochs").wait_for(timeout=120_000)
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    # Gradient flow: the heatmap and the per-layer lines, and the diagnosis in words.
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=60_000)  # all six charts drawn
    page.get_by_text("Gradient per layer, log axis").first.wait_for(timeout=60_000)
    assert page.get_by_text("the first layer gets").count() >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 3600})
    page.screenshot(path=str(SHOTS / "e2e_mlp_trained.png"))
    print(f"first gradient chart {first_chart:.2f} s after the Train click")


def test_charts_redrawn_live_end_showing_the_whole_run(server, page):
    """A run long enough to be redrawn live ends with every chart over the epochs showing all of
    them: the browser draws what the server last sent (Streamlit's chart keeps the figure it
    mounted with for as long as the element's id stays the same: a live chart re-sent under one id
    stayed at its first epochs, titles and legend intact)."""
    page.goto(f"{server}/MLP_Lab?epochs=60&n_samples=2000&depth=6&width=64&seed=5")
    _wait_ready(page)
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Training... epoch").first.wait_for(timeout=60_000)  # drawn live
    page.get_by_text("Finished 60 epochs").wait_for(timeout=120_000)
    _wait_ready(page)
    page.locator(".js-plotly-plot").nth(5).wait_for(timeout=60_000)
    lengths = page.evaluate(EPOCH_TRACES)
    assert len(lengths) >= 4 and set(lengths) == {60}, lengths


def test_bad_link_shows_notice_not_traceback(server, page):
    page.goto(f"{server}/MLP_Lab?depth=abc&activation=evil&lr=1e9")
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    alerts = " ".join(page.locator("[data-testid='stAlert']").all_inner_texts())
    assert "depth" in alerts and "evil" in alerts and "lr" in alerts
    query = parse_qs(urlsplit(page.url).query)
    assert query["depth"] == ["4"] and query["activation"] == ["relu"] and query["lr"] == ["0.01"]


def test_stop_during_a_run_keeps_the_finished_epochs_and_the_store_says_stopped(server, server_data, page):
    from core.runs.store import RunStore

    page.goto(f"{server}/MLP_Lab?epochs=400&n_samples=3000&depth=6&width=64")
    _wait_ready(page)
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Training... epoch").first.wait_for(timeout=60_000)  # a live redraw: it is running
    page.get_by_role("button", name="Stop").click()
    stopped = page.locator("[data-testid='stAlert']").filter(has_text="Stopped after")
    stopped.first.wait_for(timeout=60_000)
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    text = stopped.first.inner_text()
    n = int(text.split("Stopped after ")[1].split(" ")[0])
    assert 1 <= n < 400 and "Every finished epoch is kept" in text
    run = RunStore(server_data / "runs.sqlite").list(limit=1)[0]
    assert run["status"] == "stopped" and run["n_epochs"] == n and run["config"]["epochs"] == 400
    page.get_by_text("Gradient per layer, log axis").first.wait_for(timeout=60_000)  # the kept epochs drawn
