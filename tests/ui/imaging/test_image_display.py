"""Pictures are shown losslessly: the bytes the page sends decode to exactly the pixels computed
(a noisy or filtered picture is judged on its own values, never on a display codec's)."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from core.imaging import image_quality as quality
from core.imaging.image_samples import sample_image
from ui.imaging import image_charts


def test_shown_pictures_are_png_and_decode_to_the_exact_pixels():
    noisy = quality.gaussian_noise(sample_image("china").rgb, 25, seed=3)
    for img in (noisy, noisy[..., 0], np.zeros((1, 1, 3), np.uint8)):
        data = image_charts.encode(img)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as im:
            np.testing.assert_array_equal(np.asarray(im), img)
        framed = image_charts.encode(img, frame=True)
        with Image.open(io.BytesIO(framed)) as im:
            back = np.asarray(im)
        np.testing.assert_array_equal(back[1:-1, 1:-1], img)  # the frame lies outside the picture
        assert (back[0] == image_charts.FRAME).all() and (back[:, -1] == image_charts.FRAME).all()


def test_the_overview_figure_carries_a_png_of_the_exact_pixels():
    rgb = sample_image("flower").rgb
    uri = image_charts.overview_figure(rgb, (0, 0, 8, 8)).data[0].source
    assert uri.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as im:
        np.testing.assert_array_equal(np.asarray(im), rgb)
