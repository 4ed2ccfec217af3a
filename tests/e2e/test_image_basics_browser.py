"""The Image basics page in a real browser: the pixel grid draws, and real uploads through the
file input work (a corrupt file gets a message and the sample stays; a real PNG replaces it)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e


def png_bytes(h: int, w: int, noise: bool = False) -> bytes:
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = 250  # a red picture, easy to tell from the samples
    if noise:  # random pixels do not compress, so half the file is half the pixels
        rgb = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def alerts(page) -> str:
    return " ".join(page.locator("[data-testid='stAlert']").all_inner_texts())


def test_pixel_grid_and_uploads(server, page):
    page.goto(f"{server}/Image_Basics?section=pixels&zoom=8&grid=rgb")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)  # the overview and the pixel grid
    assert page.locator(".js-plotly-plot").count() == 2
    # The grid prints each pixel's three values: 8 x 8 text labels of the form "R G B".
    labels = page.locator(".js-plotly-plot").nth(1).locator("g.textpoint")
    assert labels.count() == 64
    assert labels.first.locator("tspan.line").count() == 3  # SVG text: one line per channel
    assert page.get_by_text("(427, 640, 3)").count() >= 1
    # The map of the fields: object recognition links to the CNN lab.
    assert page.get_by_role("link", name="The CNN lab").count() == 1

    upload = page.locator("[data-testid='stFileUploader'] input[type='file']")
    # A corrupt file: a clear message, and the page carries on with the sample.
    half = png_bytes(40, 60, noise=True)[:3000]
    upload.set_input_files(files=[{"name": "broken.png", "mimeType": "image/png", "buffer": half}])
    page.locator("[data-testid='stAlert']").filter(has_text="broken.png").wait_for(timeout=90_000)
    page.wait_for_selector(READY, timeout=60_000)
    text = alerts(page)
    assert "corrupt or truncated" in text and "Showing the china sample instead" in text
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator(".js-plotly-plot").count() == 2

    # A real PNG replaces the sample.
    upload.set_input_files(files=[{"name": "red.png", "mimeType": "image/png", "buffer": png_bytes(30, 50)}])
    page.get_by_text("array shape (30, 50, 3)").wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert page.get_by_text("red.png").count() >= 1
    assert "broken.png" not in alerts(page)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "image=upload" in page.url


def test_enhancement_makes_a_small_picture_larger_and_sharper(server, page):
    page.goto(f"{server}/Image_Basics?section=enhance&factor=4")
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0
    page.get_by_text("A low-resolution picture made larger and sharper").wait_for(timeout=60_000)
    page.get_by_text("before: 160 x 107, at its true size").wait_for(timeout=60_000)
    page.get_by_text("Sharpening raised the mean gradient").wait_for(timeout=60_000)
