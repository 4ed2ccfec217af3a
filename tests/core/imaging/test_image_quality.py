"""core.imaging.image_quality against independent computations: noise statistics, filters against scipy
and sliding windows, PSNR by hand, SSIM against a direct window-by-window implementation, and
JPEG / PNG sizes and losslessness checked with PIL itself."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image
from scipy import ndimage as ndi

from core.imaging import image_quality as q
from core.imaging.image_samples import sample_image
from core.imaging.imageio import to_gray

RNG = np.random.default_rng(2)
RGB = RNG.integers(0, 256, (41, 47, 3), dtype=np.uint8)
PHOTO = sample_image("china").rgb[80:280, 150:450]  # 200 x 300 of a real photo


# --- noise ------------------------------------------------------------------------------------------
def test_gaussian_noise_is_seeded_and_has_the_right_spread():
    grey = np.full((200, 300, 3), 128, np.uint8)  # mid-grey: sigma 20 never clips
    a, b = q.gaussian_noise(grey, 20, seed=3), q.gaussian_noise(grey, 20, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, q.gaussian_noise(grey, 20, seed=4))
    d = a.astype(float) - 128
    assert abs(d.mean()) < 0.2 and abs(d.std() - 20) < 0.4  # rounding adds 1/12 to the variance
    np.testing.assert_array_equal(q.gaussian_noise(PHOTO, 0, seed=1), PHOTO)


def test_salt_and_pepper():
    out = q.salt_pepper(PHOTO, 0.1, seed=5)
    np.testing.assert_array_equal(out, q.salt_pepper(PHOTO, 0.1, seed=5))
    hit = (out != PHOTO).any(axis=2)
    assert abs(hit.mean() - 0.1) < 0.01
    assert set(np.unique(out[hit])) <= {0, 255}
    assert (out[hit].min(axis=1) == out[hit].max(axis=1)).all()  # all three channels together
    black = (out[hit] == 0).all(axis=1).mean()
    assert 0.4 < black < 0.6  # about half pepper, half salt
    np.testing.assert_array_equal(q.salt_pepper(PHOTO, 0.0), PHOTO)
    with pytest.raises(ValueError):
        q.add_noise(PHOTO, "speckle", 1)


# --- filters ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("img", [RGB, RGB[..., 0].copy()])
def test_median_filter_equals_scipy(img):
    size = (3, 3, 1) if img.ndim == 3 else (3, 3)
    np.testing.assert_array_equal(q.median_filter(img), ndi.median_filter(img, size=size, mode="reflect"))
    sp = q.salt_pepper(PHOTO, 0.2, seed=1)
    np.testing.assert_array_equal(q.median_filter(sp), ndi.median_filter(sp, size=(3, 3, 1), mode="reflect"))


@pytest.mark.parametrize("size", [3, 5, 7])
def test_mean_filter_is_the_window_average(size):
    r = size // 2
    padded = np.pad(RGB.astype(float), [(r, r), (r, r), (0, 0)], mode="symmetric")
    windows = sliding_window_view(padded, (size, size), axis=(0, 1))
    expect = np.clip(np.rint(windows.mean(axis=(-2, -1))), 0, 255)
    assert np.abs(q.mean_filter(RGB, size).astype(int) - expect).max() <= 1  # float32 at .5 ties
    assert (q.mean_filter(RGB, size).astype(int) != expect).mean() < 0.01


def test_gaussian_filter_equals_scipy():
    expect = np.rint(ndi.gaussian_filter(PHOTO.astype(float), (1.5, 1.5, 0), mode="reflect", truncate=3.0))
    assert np.abs(q.gaussian_filter(PHOTO, 1.5).astype(int) - expect).max() <= 1


def test_filters_reduce_the_noise_they_are_meant_for():
    sp = q.salt_pepper(PHOTO, 0.05, seed=0)
    assert q.psnr(PHOTO, q.median_filter(sp)) > q.psnr(PHOTO, sp) + 3  # the median's job
    noisy = q.gaussian_noise(PHOTO, 40, seed=0)
    assert q.psnr(PHOTO, q.gaussian_filter(noisy, 1.0)) > q.psnr(PHOTO, noisy) + 3
    assert q.psnr(PHOTO, q.mean_filter(noisy, 3)) > q.psnr(PHOTO, noisy) + 2
    assert q.denoise(noisy, "mean", 5).shape == PHOTO.shape
    with pytest.raises(ValueError):
        q.denoise(noisy, "bilateral")


# --- PSNR -------------------------------------------------------------------------------------------
def test_psnr_by_hand():
    a = np.full((10, 10, 3), 100, np.uint8)
    b = a + 10  # every value off by 10: MSE = 100
    assert q.mse(a, b) == 100
    assert q.mse(b, a) == 100  # uint8 differences must not wrap around
    assert math.isclose(q.psnr(a, b), 10 * math.log10(255**2 / 100))  # 28.13 dB
    c = a.copy()
    c[0, 0, 0] = 200  # one value off by 100 out of 300
    assert math.isclose(q.psnr(a, c), 10 * math.log10(255**2 / (100**2 / 300)))
    assert q.psnr(a, a) == math.inf
    with pytest.raises(ValueError):
        q.psnr(a, a[:5])


# --- SSIM ---------------------------------------------------------------------------------------------
def ssim_direct(a: np.ndarray, b: np.ndarray) -> float:
    """Wang et al. (2004) computed window by window: an explicit 11 x 11 Gaussian (sigma 1.5)
    weighting of each patch that lies wholly inside the image, float64 throughout."""
    x, y = to_gray(a).astype(np.float64), to_gray(b).astype(np.float64)
    g = np.exp(-0.5 * (np.arange(-5, 6) / 1.5) ** 2)
    w = np.outer(g, g)
    w /= w.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vals = []
    for i in range(x.shape[0] - 10):
        for j in range(x.shape[1] - 10):
            px, py = x[i : i + 11, j : j + 11], y[i : i + 11, j : j + 11]
            mx, my = (w * px).sum(), (w * py).sum()
            vx, vy = (w * (px - mx) ** 2).sum(), (w * (py - my) ** 2).sum()
            cxy = (w * (px - mx) * (py - my)).sum()
            vals.append(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return float(np.mean(vals))


def test_ssim_matches_the_direct_window_computation():
    a = PHOTO[:40, :50]
    for b in (q.gaussian_noise(a, 15, seed=1), q.gaussian_filter(a, 2.0), a // 2 + 60, RGB[:40, :47][:, :47]):
        if b.shape != a.shape:
            b = np.resize(b, a.shape)
        assert math.isclose(q.ssim(a, b), ssim_direct(a, b), abs_tol=2e-5)


def test_ssim_matches_a_scipy_gaussian_filter_version_on_a_photo():
    x, y = to_gray(PHOTO).astype(np.float64), to_gray(q.gaussian_noise(PHOTO, 20, seed=2)).astype(np.float64)

    def g(v):
        return ndi.gaussian_filter(v, 1.5, truncate=3.5, mode="reflect")

    mx, my = g(x), g(y)
    vx, vy, cxy = g(x * x) - mx**2, g(y * y) - my**2, g(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    noisy = q.gaussian_noise(PHOTO, 20, seed=2)
    assert math.isclose(q.ssim(PHOTO, noisy), s[5:-5, 5:-5].mean(), abs_tol=1e-5)


def test_ssim_properties():
    noisy = [q.gaussian_noise(PHOTO, s, seed=0) for s in (5, 20, 50)]
    assert q.ssim(PHOTO, PHOTO) == pytest.approx(1.0, abs=1e-6)  # float32 arithmetic
    assert q.ssim(PHOTO, noisy[1]) == pytest.approx(q.ssim(noisy[1], PHOTO), abs=1e-9)  # symmetric
    scores = [q.ssim(PHOTO, n) for n in noisy]
    assert 1 > scores[0] > scores[1] > scores[2] > 0  # more noise, less similar
    flat = np.full((30, 30, 3), 90, np.uint8)
    assert q.ssim(flat, flat) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        q.ssim(PHOTO, PHOTO[:10])


# --- compression -------------------------------------------------------------------------------------
def test_jpeg_gets_smaller_and_worse_as_quality_drops():
    sizes, scores = [], []
    for quality in (10, 30, 50, 70, 90):
        data, back = q.jpeg_roundtrip(PHOTO, quality)
        with Image.open(io.BytesIO(data)) as im:  # PIL reads back what we wrote
            assert im.format == "JPEG" and im.size == (300, 200)
            np.testing.assert_array_equal(np.asarray(im.convert("RGB")), back)
        sizes.append(len(data))
        scores.append(q.psnr(PHOTO, back))
    assert sizes == sorted(sizes) and len(set(sizes)) == 5
    assert scores == sorted(scores)


def test_png_round_trip_is_lossless():
    size, lossless = q.png_roundtrip(PHOTO)
    assert lossless
    data = q.encode(PHOTO, "PNG")
    assert len(data) == size
    with Image.open(io.BytesIO(data)) as im:
        np.testing.assert_array_equal(np.asarray(im), PHOTO)


def test_compress_report():
    r = q.compress(PHOTO, 40)
    assert r.raw_bytes == 200 * 300 * 3
    data, back = q.jpeg_roundtrip(PHOTO, 40)
    assert r.jpeg_bytes == len(data) and r.png_bytes == len(q.encode(PHOTO, "PNG"))
    assert r.jpeg_ratio == pytest.approx(r.raw_bytes / len(data))
    assert r.png_ratio == pytest.approx(r.raw_bytes / r.png_bytes)
    np.testing.assert_array_equal(r.decoded, back)
    assert r.jpeg_psnr == pytest.approx(q.psnr(PHOTO, back))
    assert r.max_error == int(np.abs(PHOTO.astype(int) - back.astype(int)).max())
    assert r.jpeg_bytes < r.png_bytes < r.raw_bytes  # a photo: JPEG wins on size
    assert q.compress(PHOTO, 40, png_size=123).png_bytes == 123


def test_difference_image():
    a = np.array([[10, 200], [50, 50]], np.uint8)
    b = np.array([[13, 190], [50, 20]], np.uint8)
    np.testing.assert_array_equal(q.difference(a, b), [[3, 10], [0, 30]])
    np.testing.assert_array_equal(q.difference(a, b, 10), [[30, 100], [0, 255]])  # clipped


def test_scored_noisy_and_restored_agree_with_their_parts():
    n = q.noisy(PHOTO, "salt_pepper", 0.05, 7)
    np.testing.assert_array_equal(n.image, q.salt_pepper(PHOTO, 0.05, 7))
    assert n.psnr == q.psnr(PHOTO, n.image) and n.ssim == q.ssim(PHOTO, n.image)
    r = q.restored(PHOTO, n.image, "median")
    np.testing.assert_array_equal(r.image, q.median_filter(n.image))
    assert r.psnr == q.psnr(PHOTO, r.image) and r.ssim == q.ssim(PHOTO, r.image)
    assert r.psnr > n.psnr and r.ssim > n.ssim
