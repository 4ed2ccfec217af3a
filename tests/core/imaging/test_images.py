"""core.imaging.images against independent computations: plain numpy / Python loops, scipy.ndimage and PIL.

Nothing here calls the function under test to make its own expected value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageOps
from scipy import ndimage as ndi

from core.imaging import images as ops
from core.imaging.image_samples import sample_image
from core.imaging.imageio import to_gray

RNG = np.random.default_rng(1)
RGB = RNG.integers(0, 256, (37, 53, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (37, 53), dtype=np.uint8)
PHOTO = sample_image("china").rgb[100:260, 200:420]  # a real 160 x 220 crop: edges, sky, texture


# --- pixels --------------------------------------------------------------------------------------
def test_zoom_window_stays_inside_and_is_centred():
    assert ops.zoom_window((100, 200, 3), 0.5, 0.5, 10) == (95, 45, 10, 10)  # centre (99.5, 49.5)
    assert ops.zoom_window((100, 200, 3), 0.0, 0.0, 10) == (0, 0, 10, 10)
    assert ops.zoom_window((100, 200, 3), 1.0, 1.0, 10) == (190, 90, 10, 10)
    assert ops.zoom_window((5, 8, 3), 0.5, 0.5, 32) == (0, 0, 8, 5)  # a window larger than the image
    x0, y0, w, h = ops.zoom_window(RGB.shape, 0.3, 0.7, 6)
    patch = ops.crop(RGB, x0, y0, w, h)
    assert patch.shape == (6, 6, 3)
    for dy in range(6):
        for dx in range(6):
            assert (patch[dy, dx] == RGB[y0 + dy, x0 + dx]).all()


# --- resolution ------------------------------------------------------------------------------------
def test_pixel_count_and_scaled_size():
    assert ops.pixel_count((427, 640, 3)) == 273_280
    assert ops.scaled_size((427, 640, 3), 0.25) == (160, 107)  # 640/4, round(106.75)
    assert ops.scaled_size((427, 640, 3), 0.001) == (1, 1)


def test_nearest_upsampling_repeats_each_pixel():
    up = ops.resize(RGB, 53 * 3, 37 * 3, "nearest")
    np.testing.assert_array_equal(up, np.repeat(np.repeat(RGB, 3, axis=0), 3, axis=1))


def test_nearest_halving_takes_every_other_pixel():
    # Output pixel i covers source 2i..2i+2; its centre 2i + 1 falls in source pixel 2i + 1.
    img = RGB[:36, :52]
    np.testing.assert_array_equal(ops.resize(img, 26, 18, "nearest"), img[1::2, 1::2])


def _interp_1d(n_in: int, n_out: int, kernel, support: float) -> np.ndarray:
    """Weights (n_out, n_in) of PIL-style resampling: centres at (i + 0.5) n_in / n_out - 0.5,
    filter widened by the scale when shrinking, weights renormalised at the edges."""
    scale = n_in / n_out
    widen = max(scale, 1.0)
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        for j in range(n_in):
            w[i, j] = kernel((j + 0.5 - centre) / widen)
        w[i] /= w[i].sum()
    return w


def triangle(x: float) -> float:
    return max(0.0, 1 - abs(x))


def keys(x: float, a: float = -0.5) -> float:
    """The cubic convolution kernel (Keys 1981) with a = -0.5, as PIL's BICUBIC."""
    x = abs(x)
    if x < 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    if x < 2:
        return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return 0.0


@pytest.mark.parametrize(
    ("method", "kernel", "size"),
    [("bilinear", triangle, (80, 60)), ("bicubic", keys, (80, 60)), ("bilinear", triangle, (26, 18))],
)
def test_bilinear_and_bicubic_match_the_textbook_kernels(method, kernel, size):
    img = GRAY[:36, :52].astype(np.float64)
    wy = _interp_1d(36, size[1], kernel, 0)
    wx = _interp_1d(52, size[0], kernel, 0)
    # PIL resamples the rows first and stores that pass as 8-bit (rounded, clipped) before the columns.
    rows = np.clip(np.rint(img @ wx.T), 0, 255)
    expect = np.clip(np.rint(wy @ rows), 0, 255)
    got = ops.resize(GRAY[:36, :52], size[0], size[1], method).astype(np.float64)
    assert got.shape == (size[1], size[0])
    assert np.abs(got - expect).max() <= 1  # PIL works in fixed point: at most one step apart


def test_resize_rejects_bad_arguments():
    with pytest.raises(ValueError):
        ops.resize(RGB, 10, 10, "lanczos")
    with pytest.raises(ValueError):
        ops.resize(RGB, 0, 10)


# --- bit depth ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", range(1, 9))
def test_quantize_keeps_2_to_the_k_levels_each_the_nearest(k):
    ramp = np.arange(256, dtype=np.uint8)
    out = ops.quantize(ramp, k)
    levels = sorted({round(i * 255 / (2**k - 1)) for i in range(2**k)})
    assert ops.levels(k) == 2**k == len(np.unique(out))
    assert sorted(np.unique(out).tolist()) == levels
    for v in range(256):
        assert abs(int(out[v]) - v) == min(abs(lv - v) for lv in levels)  # the nearest level
    assert np.abs(out.astype(int) - ramp).max() <= math.ceil(255 / (2 * (2**k - 1)))
    if k == 8:
        np.testing.assert_array_equal(ops.quantize(RGB, 8), RGB)


def test_quantize_one_bit_is_a_cut_at_half():
    np.testing.assert_array_equal(ops.quantize(GRAY, 1), np.where(GRAY >= 128, 255, 0))


def test_bytes_needed():
    assert ops.bytes_needed(640, 427, 3, 8) == 640 * 427 * 3
    assert ops.bytes_needed(640, 427, 1, 1) == 640 * 427 // 8
    assert ops.bytes_needed(3, 3, 1, 1) == 2  # 9 bits need a second byte
    assert ops.bytes_needed(640, 427, 3, 3) == math.ceil(640 * 427 * 9 / 8)


def test_threshold():
    for t in (0, 1, 128, 255):
        out = ops.threshold(GRAY, t)
        assert all(out[y, x] == (255 if GRAY[y, x] >= t else 0) for y in range(0, 37, 5) for x in range(53))


def floyd_steinberg(gray: np.ndarray) -> np.ndarray:
    """Textbook error diffusion, errors kept in sixteenths and each running value clipped to 0..255."""
    h, w = gray.shape
    acc = [[0] * (w + 2) for _ in range(h + 1)]  # sixteenths of error waiting at each pixel
    out = np.zeros((h, w), np.uint8)
    for y in range(h):
        for x in range(w):
            s = acc[y][x + 1]
            v = min(255, max(0, int(gray[y, x]) + (abs(s) // 16) * (1 if s >= 0 else -1)))
            o = 255 if v > 128 else 0
            out[y, x] = o
            e = v - o
            acc[y][x + 2] += 7 * e  # right
            acc[y + 1][x] += 3 * e  # down-left
            acc[y + 1][x + 1] += 5 * e  # down
            acc[y + 1][x + 2] += 1 * e  # down-right
    return out


def test_dither_is_floyd_steinberg():
    for img in (GRAY, to_gray(PHOTO)[:60, :80], np.tile(np.arange(256, dtype=np.uint8), (12, 1))):
        np.testing.assert_array_equal(ops.dither(img), floyd_steinberg(img))


def test_dither_keeps_the_average_tone():
    ramp = np.tile(np.arange(256, dtype=np.uint8), (64, 1))
    out = ops.dither(ramp)
    assert set(np.unique(out)) == {0, 255}
    # Each 32-column band of the ramp keeps its mean grey within a few levels.
    for c in range(0, 256, 32):
        assert abs(out[:, c : c + 32].mean() - ramp[:, c : c + 32].mean()) < 6


def test_channels_and_tint():
    r, g, b = ops.split_channels(RGB)
    assert (r == RGB[..., 0]).all() and (g == RGB[..., 1]).all() and (b == RGB[..., 2]).all()
    red = ops.tint(r, 0)
    assert (red[..., 0] == r).all() and not red[..., 1:].any()


# --- geometry ------------------------------------------------------------------------------------------
def test_affine_matrix_moves_points_as_described():
    w, h = 200, 100
    cx, cy = 100, 50

    def move(m, x, y):
        p = m @ np.array([x, y, 1.0])
        return p[0], p[1]

    np.testing.assert_allclose(ops.affine_matrix(w, h), np.eye(3), atol=1e-12)
    rot = ops.affine_matrix(w, h, angle=90)
    np.testing.assert_allclose(move(rot, cx, cy), (cx, cy), atol=1e-9)  # the centre stays
    np.testing.assert_allclose(move(rot, cx + 10, cy), (cx, cy - 10), atol=1e-9)  # right -> up: anticlockwise
    np.testing.assert_allclose(move(ops.affine_matrix(w, h, scale=2), cx + 10, cy + 5), (cx + 20, cy + 10))
    np.testing.assert_allclose(move(ops.affine_matrix(w, h, shear=0.5), cx + 3, cy + 10), (cx + 8, cy + 10))
    np.testing.assert_allclose(move(ops.affine_matrix(w, h, tx=7, ty=-4), 0, 0), (7, -4))


def test_warp_identity_and_quarter_turns():
    sq = RGB[:37, :37]
    np.testing.assert_array_equal(ops.warp(sq, np.eye(3), "bilinear"), sq)
    turned = ops.warp(sq, ops.affine_matrix(37, 37, angle=90), "nearest")
    np.testing.assert_array_equal(turned, np.rot90(sq, 1))  # numpy's rot90 turns anticlockwise
    np.testing.assert_array_equal(
        ops.warp(sq, ops.affine_matrix(37, 37, angle=180), "nearest"), sq[::-1, ::-1]
    )


def test_warp_translation_fills_with_white():
    moved = ops.warp(RGB, ops.affine_matrix(53, 37, tx=5, ty=3), "nearest")
    np.testing.assert_array_equal(moved[3:, 5:], RGB[:-3, :-5])
    assert (moved[:3] == 255).all() and (moved[:, :5] == 255).all()


def test_warp_matches_scipy_affine_transform():
    m = ops.affine_matrix(220, 160, angle=25, scale=1.3, shear=0.2, tx=6, ty=-4)
    got = ops.warp(PHOTO, m, "bilinear").astype(int)
    # scipy works in (row, col) index space, pixel centres at integers: p_index = p_continuous - 0.5.
    inv = np.linalg.inv(m)
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])  # (x, y) <-> (row, col)
    shift = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    unshift = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    mat = swap @ unshift @ inv @ shift @ swap  # output index (r, c) -> source index (r, c)
    expect = np.stack(
        [ndi.affine_transform(PHOTO[..., c].astype(float), mat, order=1, cval=255.0) for c in range(3)], -1
    )
    # Compare where the source point lies well inside the image (edges are filled differently).
    rr, cc = np.indices(PHOTO.shape[:2])
    src = mat @ np.stack([rr.ravel(), cc.ravel(), np.ones(rr.size)])
    inside = ((src[0] > 1) & (src[0] < 158) & (src[1] > 1) & (src[1] < 218)).reshape(rr.shape)
    assert inside.mean() > 0.5
    assert np.abs(got[inside] - np.rint(expect[inside])).max() <= 1


@pytest.mark.parametrize(
    ("how", "pil"),
    [("horizontal", ImageOps.mirror), ("vertical", ImageOps.flip), ("none", lambda im: im)],
)
def test_flip_matches_pil(how, pil):
    np.testing.assert_array_equal(ops.flip(RGB, how), np.asarray(pil(Image.fromarray(RGB))))
    np.testing.assert_array_equal(ops.flip(RGB, "both"), RGB[::-1, ::-1])


# --- enhancement ----------------------------------------------------------------------------------------
def test_tone_curve_formula():
    for b, c, g in [(0, 1, 1), (40, 1, 1), (-60, 1.5, 1), (0, 0.5, 2.2), (10, 1.2, 0.45)]:
        lut = ops.tone_curve(b, c, g)
        for v in range(256):
            lin = min(255.0, max(0.0, c * (v - 128) + 128 + b))
            assert abs(int(lut[v]) - 255 * (lin / 255) ** g) <= 0.5 + 1e-9  # rounded to the nearest
    assert ops.tone_curve(0, 1, 1).tolist() == list(range(256))
    dark, light = ops.tone_curve(gamma=2.0), ops.tone_curve(gamma=0.5)
    assert dark[0] == light[0] == 0 and dark[255] == light[255] == 255 and dark[128] < 128 < light[128]


def test_adjust_applies_the_curve_like_pil_point():
    lut = ops.tone_curve(20, 1.3, 0.8)
    expect = np.asarray(Image.fromarray(RGB).point(lut.tolist() * 3))
    np.testing.assert_array_equal(ops.adjust(RGB, 20, 1.3, 0.8), expect)


def test_histogram_counts():
    h = ops.histogram(GRAY)
    assert h.shape == (256,) and h.sum() == GRAY.size
    np.testing.assert_array_equal(h, np.histogram(GRAY, bins=256, range=(0, 256))[0])
    hc = ops.histogram(RGB)
    assert hc.shape == (3, 256)
    assert hc[1, 17] == sum(1 for v in RGB[..., 1].ravel() if v == 17)


def test_equalize_lut_formula_and_flat_cdf():
    dull = np.clip(np.rint(RNG.normal(120, 10, (120, 150))), 0, 255).astype(np.uint8)  # low contrast
    lut = ops.equalize_lut(dull)
    counts = [int((dull == v).sum()) for v in range(256)]
    cdf = np.cumsum(counts)
    cmin = next(c for c in cdf if c > 0)
    for v in range(256):
        assert lut[v] == min(255, max(0, round(255 * (cdf[v] - cmin) / (dull.size - cmin))))
    out = ops.equalize(dull)
    assert out.min() == 0 and out.max() == 255
    # The output's CDF is close to the straight line v / 255 (within one input level's share).
    share = np.cumsum(np.bincount(out.ravel(), minlength=256)) / out.size
    widest = max(counts) / dull.size
    assert np.abs(share - np.arange(256) / 255).max() <= widest + 0.01
    assert (ops.equalize_lut(np.full((4, 4), 9, np.uint8)) == np.arange(256)).all()  # nothing to spread


def test_equalize_colour_changes_only_the_luma():
    out = ops.equalize(PHOTO)
    ycc_in = np.asarray(Image.fromarray(PHOTO).convert("YCbCr")).astype(int)
    ycc_out = np.asarray(Image.fromarray(out).convert("YCbCr")).astype(int)
    y_lut = ops.equalize_lut(ycc_in[..., 0].astype(np.uint8))
    assert np.abs(ycc_out[..., 0] - y_lut[ycc_in[..., 0]]).mean() < 1.5
    # Cb / Cr barely move (only where an RGB value hit 0 or 255 on the way back).
    assert np.abs(ycc_out[..., 1:] - ycc_in[..., 1:]).mean() < 2


# --- separable filters and sharpening ---------------------------------------------------------------
@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0, 3.0])
def test_gaussian_blur_equals_scipy(sigma):
    for img in (GRAY, RGB):
        axes = (sigma, sigma, 0) if img.ndim == 3 else sigma
        expect = ndi.gaussian_filter(img.astype(np.float64), axes, mode="reflect", truncate=3.0)
        np.testing.assert_allclose(ops.gaussian_blur(img, sigma), expect, atol=2e-3)


def test_separable_valid_keeps_only_whole_windows():
    k = ops.gaussian_kernel(1.5, 3.5)  # 11 taps: 5 pixels lost on each side
    expect = ndi.gaussian_filter(GRAY.astype(np.float64), 1.5, mode="reflect", truncate=3.5)[5:-5, 5:-5]
    got = ops.separable(GRAY, k, valid=True)
    assert got.shape == (37 - 10, 53 - 10)
    np.testing.assert_allclose(got, expect, atol=2e-3)


def test_gaussian_kernel():
    k = ops.gaussian_kernel(1.5, 3.5)
    assert len(k) == 11 and math.isclose(k.sum(), 1.0)
    assert math.isclose(k[5] / k[6], math.exp(0.5 / 1.5**2))


def test_separable_box_is_the_window_mean():
    for img in (GRAY, RGB):
        pad = [(2, 2), (2, 2)] + [(0, 0)] * (img.ndim - 2)
        windows = sliding_window_view(np.pad(img.astype(float), pad, mode="symmetric"), (5, 5), axis=(0, 1))
        np.testing.assert_allclose(
            ops.separable(img, np.full(5, 0.2)), windows.mean(axis=(-2, -1)), atol=1e-3
        )


def test_unsharp_mask_formula():
    blurred = ndi.gaussian_filter(PHOTO.astype(float), (2, 2, 0), mode="reflect", truncate=3.0)
    expect = np.clip(np.rint(PHOTO + 1.5 * (PHOTO - blurred)), 0, 255)
    assert np.abs(ops.unsharp_mask(PHOTO, 1.5, 2.0).astype(int) - expect).max() <= 1
    np.testing.assert_array_equal(ops.unsharp_mask(PHOTO, 0.0, 2.0), PHOTO)


def test_kernel_sharpen_equals_scipy_correlate():
    k = np.array([[0, -0.7, 0], [-0.7, 1 + 4 * 0.7, -0.7], [0, -0.7, 0]])
    for img in (GRAY, PHOTO):
        kk = k[..., None] if img.ndim == 3 else k
        expect = np.clip(np.rint(ndi.correlate(img.astype(float), kk, mode="reflect")), 0, 255)
        assert np.abs(ops.kernel_sharpen(img, 0.7).astype(int) - expect).max() <= 1
    flat = np.full((10, 10, 3), 77, np.uint8)
    np.testing.assert_array_equal(ops.kernel_sharpen(flat, 2.0), flat)  # nothing to sharpen


def test_ops_leave_their_input_alone():
    before = PHOTO.copy()
    for fn in (
        lambda x: ops.quantize(x, 2),
        lambda x: ops.adjust(x, 30, 2, 0.5),
        ops.equalize,
        lambda x: ops.unsharp_mask(x, 2, 1),
        lambda x: ops.kernel_sharpen(x, 1),
        lambda x: ops.warp(x, ops.affine_matrix(220, 160, angle=30)),
        lambda x: ops.flip(x, "both"),
    ):
        fn(PHOTO)
    np.testing.assert_array_equal(PHOTO, before)
