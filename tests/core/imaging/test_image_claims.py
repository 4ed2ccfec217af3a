"""Every number and rule the Image basics page states, computed here from Pillow, numpy or by hand.

The page computes its numbers at run time; these tests hold the statements themselves true:
640 x 480, 24-bit colour, how Pillow's JPEG stores colour at every quality, what dithering keeps,
what the sharpening kernel is, what a flip is, bicubic's overshoot, the median's rules.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from core.imaging import image_quality as q
from core.imaging import images as ops
from core.imaging.image_lessons import VGA
from core.imaging.image_samples import sample_image
from core.imaging.imageio import to_gray


def test_640_by_480_in_24_bit_colour():
    w, h = VGA
    assert (w, h) == (640, 480)
    assert ops.pixel_count((h, w, 3)) == 307_200 == 640 * 480
    assert ops.bytes_needed(w, h, 3, 8) == 921_600 == 307_200 * 3
    assert len(np.zeros((h, w, 3), np.uint8).tobytes()) == 921_600


def test_24_bit_colour_has_16_777_216_colours():
    assert ops.levels(8) ** 3 == 256**3 == 2**24 == 16_777_216


def sof_sampling(data: bytes) -> list[tuple[int, int, int]]:
    """(component id, horizontal, vertical sampling factor) from a JPEG's SOF0 header, by hand."""
    i = data.index(b"\xff\xc0")
    n = data[i + 9]
    comps = data[i + 10 : i + 10 + 3 * n]
    return [(comps[3 * k], comps[3 * k + 1] >> 4, comps[3 * k + 1] & 15) for k in range(n)]


@pytest.mark.parametrize("quality", range(1, 96))
def test_pillow_jpeg_is_ycbcr_with_chroma_at_half_size_at_every_quality(quality):
    data = q.encode(sample_image("china").rgb[:64, :64], "JPEG", quality)
    assert data[6:11] == b"JFIF\x00"  # JFIF: the three components are Y, Cb, Cr
    # Y sampled 2 x 2 for each Cb and Cr sample: colour at half width and half height (4:2:0).
    assert sof_sampling(data) == [(1, 2, 2), (2, 1, 1), (3, 1, 1)]
    assert q.jpeg_layout(quality) == ("4:2:0", True)


def test_jpeg_blocks_are_8_pixels_in_brightness_and_16_in_colour():
    # One 16 x 16 chroma block covers an MCU: the file's MCU count is ceil(w / 16) x ceil(h / 16).
    data = q.encode(np.zeros((40, 70, 3), np.uint8), "JPEG", 50)
    (_id, hy, vy), *_rest = sof_sampling(data)
    assert (8 * hy, 8 * vy) == (16, 16)
    i = data.index(b"\xff\xc0")
    height, width = struct.unpack(">HH", data[i + 5 : i + 9])
    assert (width, height) == (70, 40)


@pytest.mark.parametrize("name", ["china", "flower", "gradient", "circles"])
def test_dithering_keeps_the_average_tone_and_a_hard_cut_may_not(name):
    gray = to_gray(sample_image(name).rgb)
    assert abs(ops.dither(gray).mean() - gray.mean()) < 0.5  # grey levels, of 255
    if name == "flower":  # a dark picture: the cut at 128 loses a third of its brightness
        assert gray.mean() - ops.threshold(gray, 128).mean() > 15


def test_the_sharpening_kernel_is_the_pixel_plus_4_amount_times_its_difference_from_the_neighbours():
    rng = np.random.default_rng(1)
    img = rng.integers(40, 200, (20, 30)).astype(np.uint8)
    for amount in (0.3, 1.0):
        p = np.pad(img.astype(np.float64), 1, mode="symmetric")
        mean4 = (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]) / 4
        x = img.astype(np.float64)
        want = np.clip(np.rint(x + 4 * amount * (x - mean4)), 0, 255)
        assert np.abs(ops.kernel_sharpen(img, amount).astype(int) - want).max() <= 1  # float32 rounding


def test_unsharp_masking_cannot_restore_what_a_blur_removed():
    fine = np.tile(np.array([0, 255], np.uint8), (16, 32))  # 1-pixel stripes
    blurred = np.clip(np.rint(ops.gaussian_blur(fine, 2.0)), 0, 255).astype(np.uint8)
    inside = np.s_[:, 12:-12]  # away from the mirrored borders
    assert np.ptp(blurred[inside]) <= 2  # the stripes are gone
    sharpened = ops.unsharp_mask(blurred, 3.0, 2.0)
    assert np.ptp(sharpened[inside]) <= 8  # amplifying (almost) nothing gives (almost) nothing


def test_a_horizontal_flip_is_x_to_w_minus_x_about_the_centre():
    img = sample_image("flower").rgb[:50, :80]
    h, w = img.shape[:2]
    flip = np.array([[-1.0, 0, w], [0, 1, 0], [0, 0, 1]])  # x' = w - x: diag(-1, 1) about w / 2
    np.testing.assert_array_equal(ops.warp(img, flip, "nearest"), ops.flip(img, "horizontal"))
    flip_y = np.array([[1.0, 0, 0], [0, -1, h], [0, 0, 1]])
    np.testing.assert_array_equal(ops.warp(img, flip_y, "nearest"), ops.flip(img, "vertical"))


def test_bicubic_enlarging_overshoots_at_an_edge_and_bilinear_does_not():
    step = np.full((8, 8), 50, np.uint8)
    step[:, 4:] = 200
    big = {m: ops.resize(step, 32, 32, m) for m in ("bilinear", "bicubic")}
    assert big["bilinear"].min() >= 50 and big["bilinear"].max() <= 200
    assert big["bicubic"].min() < 50 and big["bicubic"].max() > 200  # the halo


def test_shrinking_weights_add_up_to_one():
    flat = np.full((90, 120, 3), 77, np.uint8)
    for method in ("bilinear", "bicubic"):
        assert (ops.resize(flat, 31, 23, method) == 77).all()


def test_the_median_keeps_a_pixel_only_if_5_of_its_9_agree_and_keeps_a_straight_edge():
    for hits, kept in ((4, False), (5, True)):
        img = np.zeros((3, 3), np.uint8)
        img.flat[:hits] = 255
        assert (q.median_filter(img)[1, 1] == 255) == kept
    edge = np.zeros((12, 12, 3), np.uint8)
    edge[:, 5:] = 255
    np.testing.assert_array_equal(q.median_filter(edge), edge)
    dot = np.zeros((9, 9), np.uint8)
    dot[4, 4] = 255
    assert q.median_filter(dot).max() == 0  # an isolated pixel vanishes


def test_stuck_share_counts_salt_and_pepper_left():
    rgb = sample_image("china").rgb
    dirty = q.salt_pepper(rgb, 0.05, seed=0)
    assert q.stuck_share(rgb, rgb) == 0.0
    assert q.stuck_share(rgb, dirty) == pytest.approx(0.05, abs=0.002)
    assert q.stuck_share(rgb, q.median_filter(dirty)) < 0.0005


def test_equalising_brings_the_cumulative_share_to_the_diagonal():
    for name in ("china", "flower", "digit"):
        gray = to_gray(sample_image(name).rgb)
        after = ops.equalize(gray)
        counts = np.bincount(after.ravel(), minlength=256)
        share = np.cumsum(counts) / after.size
        present = np.flatnonzero(counts)
        gap = np.abs(share[present] - present / 255).max()
        assert ops.cdf_gap(after) == pytest.approx(gap)
        cdf_min = np.bincount(gray.ravel(), minlength=256)[gray.min()] / gray.size
        assert gap <= cdf_min + 1 / 510 + 1e-12  # the darkest grey's share, plus half a level of rounding
        assert ops.cdf_gap(after) < ops.cdf_gap(gray)


def test_png_is_lossless_for_every_sample():
    for name in ("china", "digit", "circles"):
        rgb = sample_image(name).rgb
        with Image.open(io.BytesIO(q.encode(rgb, "PNG"))) as im:
            np.testing.assert_array_equal(np.asarray(im), rgb)
