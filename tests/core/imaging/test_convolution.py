"""core.imaging.convolution and core.imaging.kernels against torch: conv2d (with F.pad for reflect /
replicate), max_pool2d, avg_pool2d and nn.Conv2d are the independent oracle; the typed-kernel parser is held
to its grammar and never runs code."""

from __future__ import annotations

import builtins

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.imaging import convolution as cv
from core.imaging.kernels import KERNELS, KernelError, kernel_text, parse_kernel

TORCH_MODE = {"reflect": "reflect", "replicate": "replicate"}


def torch_conv(
    x: np.ndarray, w: np.ndarray, stride: int, padding: int, mode: str, dilation: int
) -> np.ndarray:
    """The oracle: (H, W) or (C, H, W) input, (k, k) or (K, C, k, k) weights, float64."""
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))
    t = t[None, None] if t.ndim == 2 else t[None]
    wt = torch.from_numpy(np.asarray(w, dtype=np.float64))
    wt = wt[None, None] if wt.ndim == 2 else wt
    if mode == "zero":
        out = F.conv2d(t, wt, stride=stride, padding=padding, dilation=dilation)
    else:
        padded = F.pad(t, (padding,) * 4, mode=TORCH_MODE[mode]) if padding else t
        out = F.conv2d(padded, wt, stride=stride, dilation=dilation)
    return out[0, 0].numpy() if np.ndim(w) == 2 else out[0].numpy()


def image(h: int, w: int, seed: int = 0, channels: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (channels, h, w) if channels else (h, w)
    return rng.integers(0, 256, size=shape).astype(np.float64)


# ---------------------------------------------------------------------------------- conv2d


@pytest.mark.parametrize("name", list(KERNELS))
@pytest.mark.parametrize("mode", cv.PAD_MODES)
def test_every_preset_matches_torch_in_every_padding_mode(name, mode):
    x, w = image(17, 23, seed=1), KERNELS[name].weights
    k = w.shape[0]
    p = cv.same_padding(k)
    ours = cv.conv2d(x, w, padding=p, mode=mode)
    np.testing.assert_allclose(ours, torch_conv(x, w, 1, p, mode, 1), rtol=1e-12, atol=1e-9)
    assert ours.shape == x.shape  # "same" padding keeps the size at stride 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(1, 14),
    w=st.integers(1, 14),
    k=st.sampled_from([1, 3, 5, 7]),
    stride=st.integers(1, 4),
    padding=st.integers(0, 4),
    dilation=st.integers(1, 3),
    mode=st.sampled_from(cv.PAD_MODES),
    seed=st.integers(0, 10_000),
)
def test_conv2d_matches_torch_over_many_settings(h, w, k, stride, padding, dilation, mode, seed):
    x = image(h, w, seed)
    kernel = np.random.default_rng(seed + 1).normal(size=(k, k))
    fits = min(h, w) + 2 * padding >= cv.span(k, dilation)
    reflect_ok = mode != "reflect" or padding < min(h, w)
    if not (fits and reflect_ok):
        with pytest.raises(cv.ConvError):
            cv.conv2d(x, kernel, stride, padding, mode, dilation)
        return
    ours = cv.conv2d(x, kernel, stride, padding, mode, dilation)
    theirs = torch_conv(x, kernel, stride, padding, mode, dilation)
    assert ours.shape == theirs.shape
    assert ours.shape == tuple(cv.output_size(n, k, stride, padding, dilation) for n in (h, w))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 9),
    stride=st.integers(1, 5),
    padding=st.integers(0, 6),
    dilation=st.integers(1, 4),
)
def test_output_size_is_torchs_shape(n, k, stride, padding, dilation):
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    w = torch.zeros(1, 1, k, k, dtype=torch.float64)
    try:
        expected = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1]
    except RuntimeError:  # torch: "Kernel size can't be greater than actual input size"
        with pytest.raises(cv.ConvError, match="window"):
            cv.output_size(n, k, stride, padding, dilation)
        assert "no output" in cv.formula_text(n, k, stride, padding, dilation)
        return
    assert cv.output_size(n, k, stride, padding, dilation) == expected
    text = cv.formula_text(n, k, stride, padding, dilation)
    assert text.startswith(f"floor(({n} + 2*{padding} - {dilation}*({k} - 1) - 1) / {stride}) + 1")
    assert text.endswith(f"= {expected}")


def test_formula_text_example():
    assert cv.formula_text(8, 3, 2, 1, 1) == "floor((8 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = floor(7 / 2) + 1 = 4"


def test_same_padding_keeps_size_at_stride_one_and_gives_ceil_at_larger_strides():
    for k in (1, 3, 5, 7):
        for d in (1, 2, 3):
            p = cv.same_padding(k, d)
            for n in (7, 8, 20):
                assert cv.output_size(n, k, 1, p, d) == n
                assert cv.output_size(n, k, 2, p, d) == -(-n // 2)


def test_reflect_padding_wider_than_the_image_is_refused_like_torch():
    x = image(3, 3)
    with pytest.raises(RuntimeError):
        F.pad(torch.from_numpy(x)[None, None], (3, 3, 3, 3), mode="reflect")
    with pytest.raises(cv.ConvError, match="reflect"):
        cv.conv2d(x, np.ones((3, 3)), padding=3, mode="reflect")
    with pytest.raises(cv.ConvError, match="mode"):
        cv.pad(x, 1, "wrap")


def test_padding_modes_fill_as_described():
    row = np.array([[1.0, 2.0, 3.0, 4.0]] * 4)
    assert cv.pad(row, 2, "zero")[2].tolist() == [0, 0, 1, 2, 3, 4, 0, 0]
    assert cv.pad(row, 2, "reflect")[2].tolist() == [3, 2, 1, 2, 3, 4, 3, 2]
    assert cv.pad(row, 2, "replicate")[2].tolist() == [1, 1, 1, 2, 3, 4, 4, 4]


# ---------------------------------------------------------------------------------- channels


@pytest.mark.parametrize(
    ("n_filters", "k", "stride", "padding", "dilation", "mode"),
    [
        (1, 1, 1, 0, 1, "zero"),
        (4, 3, 1, 1, 1, "zero"),
        (8, 3, 2, 1, 2, "reflect"),
        (8, 5, 1, 2, 1, "replicate"),
        (3, 7, 3, 0, 1, "zero"),
    ],
)
def test_multi_channel_matches_an_nn_conv2d_and_its_parameter_count(
    n_filters, k, stride, padding, dilation, mode
):
    x = image(19, 16, seed=3, channels=3)
    torch_mode = {"zero": "zeros", "reflect": "reflect", "replicate": "replicate"}[mode]
    layer = torch.nn.Conv2d(3, n_filters, k, stride, padding, dilation, padding_mode=torch_mode).double()
    with torch.no_grad():
        expected = layer(torch.from_numpy(x)[None])[0].numpy()
    weights, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    ours = cv.conv2d_multi(x, weights, bias, stride, padding, mode, dilation)
    assert ours.shape == expected.shape == (n_filters, *ours.shape[1:])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-9)
    assert cv.param_count(n_filters, 3, k) == sum(p.numel() for p in layer.parameters())
    assert cv.param_count(n_filters, 3, k, bias=False) == layer.weight.numel()


def test_each_map_is_the_sum_of_per_channel_convolutions():
    x = image(9, 11, seed=4, channels=3)
    filters = np.random.default_rng(5).normal(size=(2, 3, 3, 3))
    maps = cv.conv2d_multi(x, filters, np.array([0.5, -1.0]), padding=1)
    for j in range(2):
        by_hand = sum(torch_conv(x[c], filters[j, c], 1, 1, "zero", 1) for c in range(3)) + [0.5, -1.0][j]
        np.testing.assert_allclose(maps[j], by_hand, rtol=1e-12, atol=1e-9)
    with pytest.raises(cv.ConvError, match="channels"):
        cv.conv2d_multi(x[:2], filters)


# ---------------------------------------------------------------------------------- walk-through


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(3, 12),
    k=st.sampled_from([1, 3, 5]),
    stride=st.integers(1, 3),
    padding=st.integers(0, 2),
    dilation=st.integers(1, 2),
    mode=st.sampled_from(cv.PAD_MODES),
    data=st.data(),
)
def test_walkthrough_sum_is_the_output_cell(n, k, stride, padding, dilation, mode, data):
    if n + 2 * padding < cv.span(k, dilation):
        return
    x = image(n, n + 1, seed=n)
    kernel = np.random.default_rng(k).normal(size=(k, k))
    out = torch_conv(x, kernel, stride, padding, mode, dilation)
    row = data.draw(st.integers(0, out.shape[0] - 1))
    col = data.draw(st.integers(0, out.shape[1] - 1))
    walk = cv.cell_walkthrough(x, kernel, row, col, stride, padding, mode, dilation, bias=0.25)
    assert walk.total == pytest.approx(out[row, col] + 0.25, rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(walk.products, walk.patch * kernel)
    # Taps inside the image read the image itself at the rows / columns reported.
    for a in range(k):
        for b in range(k):
            r, c = walk.rows[a], walk.cols[b]
            inside = 0 <= r < n and 0 <= c < n + 1
            assert walk.from_padding[a, b] == (not inside)
            if inside:
                assert walk.patch[a, b] == x[r, c]
            elif mode == "zero":
                assert walk.patch[a, b] == 0
    # The window shows the taps with gaps between them when dilated.
    assert walk.window.shape == (cv.span(k, dilation),) * 2
    assert np.isnan(walk.window).sum() == cv.span(k, dilation) ** 2 - k * k


def test_walkthrough_by_hand_on_a_small_example():
    x = np.arange(16, dtype=np.float64).reshape(4, 4)
    walk = cv.cell_walkthrough(x, KERNELS["sobel_x_3x3"].weights, 0, 0, padding=1)
    # Top-left cell with zero padding: the window is rows -1..1, columns -1..1.
    assert walk.rows.tolist() == [-1, 0, 1] and walk.cols.tolist() == [-1, 0, 1]
    assert walk.patch.tolist() == [[0, 0, 0], [0, 0, 1], [0, 4, 5]]
    assert walk.total == 1 * 2 + 5 * 1  # right column minus left column, weighted 1 2 1
    with pytest.raises(cv.ConvError, match="outside"):
        cv.cell_walkthrough(x, np.ones((3, 3)), 2, 0)


# ---------------------------------------------------------------------------------- pooling


@settings(max_examples=100, deadline=None)
@given(
    h=st.integers(1, 16),
    w=st.integers(1, 16),
    size=st.integers(1, 4),
    stride=st.integers(1, 4),
    kind=st.sampled_from(cv.POOLS),
    seed=st.integers(0, 1000),
)
def test_pooling_matches_torch(h, w, size, stride, kind, seed):
    x = np.random.default_rng(seed).normal(size=(h, w)) * 50
    if size > min(h, w):
        with pytest.raises(cv.ConvError):
            cv.pool2d(x, size, stride, kind)
        return
    t = torch.from_numpy(x)[None, None]
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    expected = fn(t, size, stride)[0, 0].numpy()
    ours = cv.pool2d(x, size, stride, kind)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)
    row, col = (seed % ours.shape[0]), (seed * 7 % ours.shape[1])
    walk = cv.pool_walkthrough(x, size, stride, kind, row, col)
    assert walk.result == pytest.approx(expected[row, col], rel=1e-12, abs=1e-12)
    assert walk.rows.tolist() == list(range(row * stride, row * stride + size))
    if kind == "max":
        a, b = walk.argmax
        assert walk.window[a, b] == expected[row, col]


def test_pooling_rejects_unknown_kinds_and_cells_outside():
    x = image(4, 4)
    with pytest.raises(cv.ConvError, match="pooling"):
        cv.pool2d(x, 2, 2, "median")
    with pytest.raises(cv.ConvError, match="outside"):
        cv.pool_walkthrough(x, 2, 2, "max", 2, 0)


# ---------------------------------------------------------------------------------- kernels


def test_presets_are_what_their_names_say():
    for key, kernel in KERNELS.items():
        w = kernel.weights
        assert w.shape == (kernel.size, kernel.size) and kernel.size % 2 == 1
        assert key.endswith(f"_{kernel.size}x{kernel.size}")
        np.testing.assert_array_equal(parse_kernel(kernel.text), w)  # the text reads back exactly
        if key.startswith(("box", "gaussian", "identity", "sharpen")):
            assert w.sum() == pytest.approx(1.0)  # brightness is kept
        if key.startswith(("sobel", "laplacian", "outline")):
            assert w.sum() == pytest.approx(0.0)  # flat regions give 0
    # Sobel y is Sobel x turned by 90 degrees; the Gaussians are binomial outer products.
    from scipy.special import comb

    for k in (3, 5):
        np.testing.assert_array_equal(
            KERNELS[f"sobel_y_{k}x{k}"].weights, KERNELS[f"sobel_x_{k}x{k}"].weights.T
        )
        b = np.array([comb(k - 1, i) for i in range(k)])
        np.testing.assert_allclose(KERNELS[f"gaussian_{k}x{k}"].weights, np.outer(b, b) / b.sum() ** 2)
    # The 5x5 sharpen is 2 x identity - Gaussian 5x5 (unsharp masking).
    sharp = 2 * KERNELS["identity_5x5"].weights - KERNELS["gaussian_5x5"].weights
    np.testing.assert_allclose(KERNELS["sharpen_5x5"].weights, sharp)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 2 3\n4 5 6\n7 8 9", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ("1,2,3; 4,5,6; 7,8,9", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ("  1/9 1/9 1/9\n\n1/9, 1/9, 1/9\n1/9 1/9 1/9\n", [[1 / 9] * 3] * 3),
        ("[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        ("\u22121 0 1; \u22122 0 2; \u22121 0 1", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
        ("2.5", [[2.5]]),
        ("-.5 1e-2 +3\n1/-4 0 1E1\n0.25 -2/8 7", [[-0.5, 0.01, 3], [-0.25, 0, 10], [0.25, -0.25, 7]]),
    ],
)
def test_parse_kernel_reads_good_grids(text, expected):
    got = parse_kernel(text)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.array(expected, dtype=np.float64))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "type the kernel"),
        ("  \n ; \n", "type the kernel"),
        ("1 2 3\n4 x 6\n7 8 9", "row 2, column 2: 'x' is not a number"),
        ("1 2 3\n4 5\n7 8 9", "row 2 has 2 numbers but row 1 has 3"),
        ("1 2 3\n4 5 6", "2 rows of 3 numbers"),
        ("1 2\n3 4", "2 x 2: use an odd size"),
        ("\n".join(["1 " * 9] * 9), "9 rows"),
        ("1 2 3 4 5 6 7 8\n1", "row 1 has 8 numbers"),
        ("1/0", "row 1, column 1: '1/0' divides by zero"),
        ("1e999", "too large"),
        ("5000", "too large"),
        ("nan", "'nan' is not a number"),
        ("inf", "'inf' is not a number"),
        ("1 2 3\n4 5 6\n7 8 0x10", "row 3, column 3"),
        ("__import__('os').system('touch /tmp/pwned')", "row 1, column 1"),
        ("eval(1)", "is not a number"),
        ("1+1", "'1+1' is not a number"),
        ("2**3", "is not a number"),
        ("1/2/3", "is not a number"),
        ("1_000", "is not a number"),
        ("x" * 3000, "characters long"),
    ],
)
def test_parse_kernel_rejects_bad_grids_with_a_reason(text, reason):
    with pytest.raises(KernelError) as err:
        parse_kernel(text)
    assert reason in str(err.value)


def test_parse_kernel_never_evaluates(monkeypatch):
    calls = []
    for name in ("eval", "exec", "compile", "__import__"):
        real = getattr(builtins, name)
        monkeypatch.setattr(
            builtins, name, lambda *a, _r=real, _n=name, **kw: calls.append(_n) or _r(*a, **kw)
        )
    for text in ("__import__('os')", "1/9 2 3\n4 5 6\n7 8 9", "[[1]]", "(lambda: 1)()"):
        try:
            parse_kernel(text)
        except KernelError:
            pass
    assert calls == []


def test_kernel_text_round_trips_integers_and_short_decimals():
    w = np.array([[1, -2, 0.5], [0.25, 3, -0.125], [0, 0, 7]])
    np.testing.assert_array_equal(parse_kernel(kernel_text(w)), w)


# ---------------------------------------------------------------------------------- the fast colour path


@pytest.mark.parametrize("mode", cv.PAD_MODES)
def test_torch_colour_path_matches_the_numpy_one_to_float32_precision(mode):
    x = image(21, 18, seed=6, channels=3)
    filters = np.random.default_rng(7).normal(size=(5, 3, 3, 3))
    bias = np.arange(5.0)
    exact = cv.conv2d_multi(x, filters, bias, 2, 1, mode, 2)
    fast = cv.conv2d_multi_torch(x, filters, bias, 2, 1, mode, 2)
    assert fast.dtype == np.float32 and fast.shape == exact.shape
    np.testing.assert_allclose(fast, exact, rtol=1e-5, atol=1e-3)
    with pytest.raises(cv.ConvError):
        cv.conv2d_multi_torch(x, filters, bias, padding=30, mode="reflect")


def test_layer_maps_uses_numpy_for_page_sizes_and_torch_beyond():
    filters = np.random.default_rng(8).normal(size=(2, 3, 3, 3))
    small = image(64, 64, channels=3)
    assert cv.layer_maps(small, filters, padding=1).dtype == np.float64
    side = int(np.sqrt(cv.FAST_ABOVE)) + 2
    big = image(side, side, channels=3)
    maps = cv.layer_maps(big, filters, padding=1)
    assert maps.dtype == np.float32
    np.testing.assert_allclose(maps, torch_conv(big, filters, 1, 1, "zero", 1), rtol=1e-5, atol=1e-3)


# ---------------------------------------------------------------------------------- the page's lessons


def test_designed_filters_are_kernels_on_chosen_channels():
    from core.imaging.conv_lessons import DESIGNED, LUMA, filter_bank

    bank = filter_bank("designed", 8, 5)
    assert bank.weights.shape == (8, 3, 5, 5) and bank.bias.tolist() == [0.0] * 8
    assert bank.names == tuple(d[0] for d in DESIGNED)
    x = image(12, 10, seed=9, channels=3)
    maps = cv.conv2d_multi(x, bank.weights, bank.bias, padding=2)
    # "gray: Gaussian blur" = the 5x5 Gaussian on the luma image (convolution is linear).
    luma = np.tensordot(np.array(LUMA), x, axes=1)
    np.testing.assert_allclose(maps[1], torch_conv(luma, KERNELS["gaussian_5x5"].weights, 1, 2, "zero", 1))
    # "green minus red" = G - R, pixel by pixel.
    np.testing.assert_allclose(maps[2], x[1] - x[0], atol=1e-9)


def test_random_filters_use_nn_conv2d_init_range():
    from core.imaging.conv_lessons import filter_bank

    bank = filter_bank("random", 8, 3, seed=1)
    layer = torch.nn.Conv2d(3, 8, 3)  # torch's own default init: uniform within +-1/sqrt(fan_in)
    torch_bound = float(layer.weight.detach().abs().max())
    ours = float(np.abs(bank.weights).max())
    bound = 1 / np.sqrt(27)
    assert torch_bound <= bound and ours <= bound and ours > 0.9 * bound and torch_bound > 0.9 * bound
    assert np.abs(bank.bias).max() <= bound and bank.names[0] == "random 1"
    np.testing.assert_array_equal(filter_bank("random", 8, 3, seed=1).weights, bank.weights)  # seeded


def test_the_dot_pattern_turns_the_kernel_by_180_degrees():
    from core.imaging.conv_lessons import PATTERNS, pattern

    dot = pattern("dot")
    assert dot.sum() == 1 and dot[4, 4] == 1
    w = KERNELS["emboss_3x3"].weights
    out = torch_conv(dot, w, 1, 1, "zero", 1)
    np.testing.assert_array_equal(out[3:6, 3:6], w[::-1, ::-1])
    for name in PATTERNS:
        x = pattern(name)
        assert x.dtype == np.float64 and max(x.shape) <= 12 and x.min() >= 0 and x.max() <= 9


def test_view_round_trips_through_the_url_and_rejects_bad_weights():
    from core.contract.config import from_params, to_params
    from core.imaging.conv_lessons import ConvView, canonical_weights

    view = ConvView(source="edge", weights="1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9", stride=2, pool="avg")
    assert from_params(ConvView, to_params(view)) == (view, [])
    assert canonical_weights(" 1, 2 ,1\n2 4 2\n[1 2 1]") == "1 2 1; 2 4 2; 1 2 1"
    assert canonical_weights("  ") == ""
    cfg, notices = from_params(ConvView, {"weights": "__import__('os')", "kernel": "laplacian_5x5"})
    assert cfg == ConvView(kernel="laplacian_5x5")
    assert len(notices) == 1 and notices[0].startswith("weights: row 1, column 1")


def test_sentences_write_out_the_arithmetic():
    from core.imaging.conv_lessons import params_sentence, pool_sentence, sum_sentence

    x = np.arange(16, dtype=np.float64).reshape(4, 4)
    walk = cv.cell_walkthrough(x, KERNELS["sobel_x_3x3"].weights, 1, 1, padding=1)
    text = sum_sentence(walk)
    assert text.startswith("0 × (-1) + 2 × 1 + 4 × (-2) + 6 × 2 + 8 × (-1) + 10 × 1 = 8")
    assert "(weights of 0 left out)" in text
    assert walk.total == 8
    pw = cv.pool_walkthrough(x, 2, 2, "avg", 1, 0)
    assert pool_sentence(pw).endswith("(8 + 9 + 12 + 13) / 4 = 10.5")
    pm = cv.pool_walkthrough(x, 2, 2, "max", 1, 1)
    assert pool_sentence(pm).endswith("largest of its 4 values: 15 (row 3, column 3)")
    assert (
        params_sentence(8, 3, 5) == "K × C × k × k + K = 8 × 3 × 5 × 5 + 8 = 608 (600 weights and 8 biases)"
    )


def test_working_picture_is_shrunk_never_enlarged():
    from core.imaging.conv_lessons import working_rgb

    rgb = np.random.default_rng(0).integers(0, 256, (300, 200, 3), dtype=np.uint8)
    assert working_rgb(rgb, 64).shape == (64, 43, 3)
    small = rgb[:20, :30]
    assert working_rgb(small, 64).shape == (20, 30, 3)


def test_preset_formula_is_the_textbook_form():
    assert KERNELS["gaussian_3x3"].formula == "[1 2 1; 2 4 2; 1 2 1] / 16"
    assert KERNELS["laplacian_3x3"].formula == "[0 1 0; 1 -4 1; 0 1 0]"
    k = KERNELS["box_blur_5x5"]
    grid, divisor = k.formula.split(" / ")
    np.testing.assert_array_equal(parse_kernel(grid) / int(divisor), k.weights)
