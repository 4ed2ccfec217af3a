"""What the Convolution page says about stride, padding, dilation, pooling and its kernels, each
checked on the numbers (torch.nn.functional as the oracle where it applies)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.imaging import convolution as cv
from core.imaging.kernels import KERNELS

RNG = np.random.default_rng(7)
X = RNG.integers(0, 10, (11, 13)).astype(np.float64)


def torch_conv(x, w, stride=1, padding=0, dilation=1):
    t = F.conv2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None], None, stride, padding, dilation
    )
    return t[0, 0].numpy()


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_stride_2_computes_every_second_position(name):
    w = KERNELS[name].weights
    np.testing.assert_allclose(cv.conv2d(X, w, 2, 1), cv.conv2d(X, w, 1, 1)[::2, ::2], atol=1e-12)


@pytest.mark.parametrize(("k", "d"), [(1, 1), (3, 1), (3, 2), (5, 3), (7, 2)])
def test_same_padding_keeps_the_size_at_stride_1(k, d):
    p = cv.same_padding(k, d)
    assert p == d * (k - 1) / 2
    assert torch_conv(X, np.ones((k, k)), padding=p, dilation=d).shape == X.shape


@pytest.mark.parametrize(("k", "d"), [(3, 2), (3, 3), (5, 2)])
def test_dilation_spans_d_k_minus_1_plus_1_pixels_with_the_same_weights(k, d):
    w = RNG.normal(size=(k, k))
    spread = np.zeros((cv.span(k, d),) * 2)
    spread[::d, ::d] = w  # the same k x k weights with d - 1 zeros between them
    assert spread.shape == (d * (k - 1) + 1,) * 2
    np.testing.assert_allclose(cv.conv2d(X, w, dilation=d), cv.conv2d(X, spread), atol=1e-12)


@pytest.mark.parametrize("n", range(2, 12))
def test_2x2_pooling_with_stride_2_halves_rounding_down(n):
    x = RNG.normal(size=(n, n))
    pooled = cv.pool2d(x, 2, 2, "max")
    assert pooled.shape == (n // 2, n // 2)
    expected = F.max_pool2d(torch.from_numpy(x)[None, None], 2, 2)[0, 0].numpy()
    np.testing.assert_array_equal(pooled, expected)
    if n % 2:  # the odd last row and column are read by no window
        np.testing.assert_array_equal(pooled, cv.pool2d(x[:-1, :-1], 2, 2, "max"))


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_the_dot_gives_the_kernel_turned_by_180_degrees(name):
    w = KERNELS[name].weights
    k = w.shape[0]
    dot = np.zeros((9, 9))
    dot[4, 4] = 1
    out = cv.conv2d(dot, w)  # (9 - k + 1) square, the dot's echo at its centre
    c = out.shape[0] // 2
    np.testing.assert_array_equal(
        out[c - k // 2 : c + k // 2 + 1, c - k // 2 : c + k // 2 + 1], w[::-1, ::-1]
    )


def test_kernel_descriptions():
    flat = np.full((9, 9), 5.0)
    ramp = np.tile(np.arange(9.0), (9, 1))  # brighter to the right
    w = {name: k.weights for name, k in KERNELS.items()}
    # The identities copy; the 5x5's window is zeros but the centre.
    for k in (3, 5):
        np.testing.assert_array_equal(cv.conv2d(X, w[f"identity_{k}x{k}"], padding=k // 2), X)
        assert np.count_nonzero(w[f"identity_{k}x{k}"]) == 1
    # Sharpen 3x3 = 5 x the pixel minus its 4 neighbours = the pixel plus its 4 differences.
    p = np.pad(X, 1)
    four = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]
    np.testing.assert_allclose(cv.conv2d(X, w["sharpen_3x3"], padding=1), 5 * X - four)
    np.testing.assert_allclose(cv.conv2d(X, w["sharpen_3x3"], padding=1), X + (4 * X - four))
    # Sobel: positive where brighter to the right (x) or downwards (y); Laplacian 0 on flat and ramps.
    assert (cv.conv2d(ramp, w["sobel_x_3x3"]) > 0).all() and (cv.conv2d(ramp.T, w["sobel_y_3x3"]) > 0).all()
    for name in ("laplacian_3x3", "laplacian_5x5", "outline_3x3"):
        assert np.abs(cv.conv2d(flat, w[name])).max() == 0
    for name in ("laplacian_3x3", "laplacian_5x5"):
        assert np.abs(cv.conv2d(ramp, w[name])).max() == 0 and np.abs(cv.conv2d(ramp.T, w[name])).max() == 0
    # Emboss: the pixel, plus its bottom-right neighbours minus its top-left ones; flat stays.
    emboss = w["emboss_3x3"]
    assert (
        emboss[1, 1] == 1
        and (emboss[[1, 2, 2], [2, 1, 2]] > 0).all()
        and (emboss[[0, 0, 1], [0, 1, 0]] < 0).all()
    )
    np.testing.assert_array_equal(cv.conv2d(flat, emboss), flat[1:-1, 1:-1])
