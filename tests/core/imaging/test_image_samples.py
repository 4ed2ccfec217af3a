"""core.imaging.image_samples: every bundled picture is there, well formed, and what its description says."""

from __future__ import annotations

import numpy as np
import pytest

from core.imaging.image_samples import SAMPLES, sample_image
from core.imaging.imageio import ImageError


def test_samples_are_all_there_and_well_formed():
    assert {"china", "flower", "digit", "checkerboard", "gradient", "circles"} <= set(SAMPLES)
    for name in SAMPLES:
        img = sample_image(name)
        assert img.name == name and img.format == "sample" and img.notices == ()
        assert img.rgb.dtype == np.uint8 and img.rgb.ndim == 3 and img.rgb.flags.c_contiguous
        assert img.original_size == (img.rgb.shape[1], img.rgb.shape[0])
    with pytest.raises(ImageError, match="not a sample"):
        sample_image("mona_lisa")


def test_photo_samples_are_scikit_learns():
    from sklearn.datasets import load_sample_image

    for name in ("china", "flower"):
        np.testing.assert_array_equal(sample_image(name).rgb, load_sample_image(f"{name}.jpg"))


def test_digit_is_an_8x8_digit_scaled_up():
    from sklearn.datasets import load_digits

    d = load_digits()
    ink = d.images[list(d.target).index(0)]
    img = sample_image("digit").rgb
    assert img.shape == (64, 64, 3)
    for y in range(8):
        for x in range(8):
            block = img[8 * y : 8 * y + 8, 8 * x : 8 * x + 8]
            assert (block == round(255 - ink[y, x] * 255 / 16)).all()


def test_synthetic_samples():
    board = sample_image("checkerboard").rgb[..., 0]
    assert (
        board[0, 0] == 255 and board[0, 8] == 0 and board[8, 8] == 255 and set(np.unique(board)) == {0, 255}
    )
    ramp = sample_image("gradient").rgb[..., 0]
    assert (ramp == np.arange(256)).all()
    rings = sample_image("circles").rgb[..., 0]
    assert rings[127, 127] > 250 and rings.min() < 5  # bright centre, full range


def test_sample_shrinks_to_max_side_with_a_notice():
    img = sample_image("china", max_side=320)
    assert img.rgb.shape == (214, 320, 3) and img.original_size == (640, 427)
    assert "Shrunk from 640x427 to 320x214" in img.notices[0]


def test_sample_cannot_be_corrupted_by_a_caller():
    a = sample_image("gradient")
    a.rgb[:] = 0
    assert sample_image("gradient").rgb[0, 255, 0] == 255
