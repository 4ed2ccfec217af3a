"""core.imaging.upscale: shrink, enlarge and sharpen, each version scored, checked against PIL and numpy."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.imaging import upscale
from core.imaging.image_samples import sample_image


def test_mean_gradient_by_hand():
    ramp = np.tile(np.arange(0, 40, 4, dtype=np.uint8), (6, 1))  # +4 per column, flat down
    assert upscale.mean_gradient(ramp) == pytest.approx(4.0)
    steps = np.zeros((5, 5), np.uint8)
    steps[:, 2:] = 30  # one vertical edge: 30 on one of four columns of differences
    assert upscale.mean_gradient(steps) == pytest.approx(30 / 4)
    assert upscale.mean_gradient(np.full((4, 4), 9, np.uint8)) == 0.0


def test_enlarge_is_pils_bicubic_then_the_unsharp_mask():
    rgb = sample_image("china").rgb
    done = upscale.enlarge(rgb, 4, amount=1.0, sigma=1.0)
    pil_small = Image.fromarray(rgb).resize((160, 107), Image.Resampling.BICUBIC)
    np.testing.assert_array_equal(done.small, np.asarray(pil_small))
    np.testing.assert_array_equal(
        done.bicubic.image, np.asarray(pil_small.resize((640, 427), Image.Resampling.BICUBIC))
    )
    np.testing.assert_array_equal(
        done.blocks.image, np.asarray(pil_small.resize((640, 427), Image.Resampling.NEAREST))
    )
    assert done.original.psnr == np.inf and done.original.ssim == pytest.approx(1.0)
    # Sharpening after enlarging raises the edge strength and, on this photo, the closeness too;
    # no version reaches the original's sharpness (the lost detail does not come back).
    assert done.sharpened.sharpness > done.bicubic.sharpness
    assert done.sharpened.psnr > done.bicubic.psnr and done.sharpened.ssim > done.bicubic.ssim
    assert max(v.sharpness for v in (done.blocks, done.bicubic, done.sharpened)) < done.original.sharpness
    with pytest.raises(ValueError):
        upscale.enlarge(rgb, 0)
