"""The CNN lab in a real browser: a share link trains a short run; the feature maps and the confusion
matrix appear, with no traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots"))


def _wait_ready(page, timeout=120_000):
    page.wait_for_selector(READY, timeout=timeout)


def test_short_run_shows_feature_maps_and_confusion_matrix(server, page):
    page.goto(f"{server}/CNN_Lab?epochs=3&n_train=300")
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    # the link's values are kept and the URL spells out the whole config
    query = parse_qs(urlsplit(page.url).query)
    assert query["epochs"] == ["3"] and query["n_train"] == ["300"] and query["channels"] == ["8,16"]
    # the layer table is drawn before any training
    table = page.locator("[data-testid='stDataFrame']").filter(has_text="output shape")
    table.first.wait_for(timeout=30_000)  # drawn lazily (the how-it-works tabs hold more tables)
    assert table.count() == 1

    start = time.perf_counter()
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Finished 3 epochs").wait_for(timeout=60_000)
    _wait_ready(page)
    trained = time.perf_counter() - start
    assert page.locator("[data-testid='stException']").count() == 0
    success = page.locator("[data-testid='stAlert']").filter(has_text="Finished 3 epochs")
    assert success.count() >= 1 and "validation accuracy" in success.first.inner_text()

    # feature maps: one plotly figure per stage; the maps after the activation are activation maps
    maps = page.locator(".js-plotly-plot").filter(has_text="activation maps")
    maps.first.wait_for(timeout=30_000)
    assert maps.count() == 2  # conv1 and conv2
    conv1 = "conv1: activation maps (the feature maps after the activation): 8 channels"
    assert page.get_by_text(conv1).count() == 1
    assert page.get_by_text("conv2: after pooling: 16 channels of 2x2").count() == 1
    cm = page.locator(".js-plotly-plot").filter(has_text="Confusion matrix (validation images)")
    cm.first.wait_for(timeout=30_000)
    assert cm.count() == 1
    assert page.get_by_text("Gradient per layer, log axis").count() >= 1
    assert page.locator("[data-testid='stException']").count() == 0

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 5000})
    page.screenshot(path=str(SHOTS / "e2e_cnn_trained.png"))
    print(f"trained and redrawn {trained:.2f} s after the Train click")


def _png_of_a_digit_on_paper() -> bytes:
    """A dark '0' drawn on light paper, as a phone photo of a written digit would be."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (240, 320), (236, 232, 224))
    ImageDraw.Draw(img).ellipse([(60, 40), (180, 280)], outline=(25, 25, 30), width=14)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_upload_after_training_predicts_and_refuses_a_corrupt_file(server, page):
    page.goto(f"{server}/CNN_Lab?epochs=6&n_train=600")
    _wait_ready(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Finished 6 epochs").wait_for(timeout=90_000)
    _wait_ready(page)
    upload = page.locator("input[type='file']")
    upload.set_input_files(
        {"name": "broken.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n garbage"}
    )
    refusal = page.locator("[data-testid='stAlert']").filter(has_text="broken.png")
    refusal.first.wait_for(timeout=60_000)
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Prediction:").count() == 0  # nothing predicted from a broken file

    upload.set_input_files(
        {"name": "zero.png", "mimeType": "image/png", "buffer": _png_of_a_digit_on_paper()}
    )
    verdict = page.locator("[data-testid='stAlert']").filter(has_text="Prediction:")
    verdict.first.wait_for(timeout=60_000)
    _wait_ready(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Converted to the training images' format").count() == 1
    assert page.get_by_text("inverted").count() >= 1  # dark ink on light paper becomes light on dark
    assert page.locator(".js-plotly-plot").filter(has_text="what the net sees").count() == 1
