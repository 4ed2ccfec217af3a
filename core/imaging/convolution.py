"""Convolution and pooling the teaching way: pad, cut out every patch, multiply, add up.

What deep learning calls a convolution is a cross-correlation: the kernel slides over the image
without being flipped, and output[i, j] = sum over a, b of x[i*s + a*d, j*s + b*d] * w[a, b] on
the padded image x (s = stride, d = dilation). That is what torch.nn.functional.conv2d computes,
and the tests hold these numpy versions to it. Numpy only, except the colour layer's fast path for
large images (conv2d_multi_torch, float32). No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from core.base.i18n import _

PAD_MODES = ("zero", "reflect", "replicate")
# zero: 0 outside; reflect: mirror without repeating the edge (d c b | a b c d | c b a);
# replicate: repeat the edge pixel (a a a | a b c d | d d d). np.pad's names for the same rules:
NP_MODE = {"zero": "constant", "reflect": "reflect", "replicate": "edge"}
POOLS = ("max", "avg")


class ConvError(ValueError):
    """Settings that give no output (the kernel does not fit, the padding is too wide, ...)."""


def span(k: int, dilation: int = 1) -> int:
    """Width of the input window a dilated k-tap kernel reads: d(k-1) + 1."""
    return dilation * (k - 1) + 1


def same_padding(k: int, dilation: int = 1) -> int:
    """The padding that keeps the size at stride 1: d(k-1)/2 (k is odd, so it is whole)."""
    return dilation * (k - 1) // 2


def output_size(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """floor((n + 2p - d(k-1) - 1) / s) + 1; ConvError when the window does not fit even once."""
    if n + 2 * padding < span(k, dilation):
        raise ConvError(
            _(
                "the kernel reads a window {span} pixels wide (d(k-1) + 1 = {d}*({k} - 1) + 1), but the "
                "padded input is only n + 2p = {n} + 2*{p} = {padded} wide"
            ).format(span=span(k, dilation), d=dilation, k=k, n=n, p=padding, padded=n + 2 * padding)
        )
    # Python's // floors, as the formula does; the numerator is >= 0 here, so the size is >= 1.
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def formula_text(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula with the numbers put in: 'floor((8 + 2*1 - 1*(3 - 1) - 1) / 1) + 1 = ...'."""
    top = n + 2 * padding - dilation * (k - 1) - 1
    result = top // stride + 1
    text = (
        f"floor(({n} + 2*{padding} - {dilation}*({k} - 1) - 1) / {stride}) + 1"
        f" = floor({top} / {stride}) + 1 = {result}"
    )
    return text if result >= 1 else text + " " + _("(less than 1: no output)")


def _check_padding(shape: tuple[int, ...], padding: int, mode: str) -> None:
    if mode not in PAD_MODES:
        raise ConvError(
            _("padding mode {mode} is not one of {modes}").format(mode=repr(mode), modes=", ".join(PAD_MODES))
        )
    h, w = shape[-2:]
    if mode == "reflect" and padding >= min(h, w):
        # Mirroring p pixels needs p pixels beyond the edge one to mirror (torch has the same rule).
        raise ConvError(
            _("reflect padding of {p} needs an image wider than {p} pixels; this one is {h}x{w}").format(
                p=padding, h=h, w=w
            )
        )


def pad(x: np.ndarray, padding: int, mode: str = "zero") -> np.ndarray:
    """Pad the last two axes by `padding` on every side with the mode's rule."""
    _check_padding(x.shape, padding, mode)
    if padding == 0:
        return np.asarray(x, dtype=np.float64)
    widths = [(0, 0)] * (x.ndim - 2) + [(padding, padding)] * 2
    return np.pad(np.asarray(x, dtype=np.float64), widths, mode=NP_MODE[mode])


def patches(padded: np.ndarray, k: int, stride: int = 1, dilation: int = 1) -> np.ndarray:
    """Every window the kernel visits, as a view of shape (..., out_h, out_w, k, k).

    sliding_window_view cuts every span x span window; [::s] keeps every s-th start (stride) and
    [::d] every d-th pixel inside the window (dilation). No copy: strides only.
    """
    width = span(k, dilation)
    windows = sliding_window_view(padded, (width, width), axis=(-2, -1))
    return windows[..., ::stride, ::stride, ::dilation, ::dilation]


def _check(x: np.ndarray, k: int, stride: int, padding: int, dilation: int) -> tuple[int, int]:
    if stride < 1 or dilation < 1 or padding < 0:
        raise ConvError(_("stride and dilation are at least 1, padding at least 0"))
    h, w = x.shape[-2:]
    return output_size(h, k, stride, padding, dilation), output_size(w, k, stride, padding, dilation)


def conv2d(
    x: np.ndarray,
    kernel: np.ndarray,
    stride: int = 1,
    padding: int = 0,
    mode: str = "zero",
    dilation: int = 1,
    bias: float = 0.0,
) -> np.ndarray:
    """One channel (H, W) with one k x k kernel -> the feature map (out_h, out_w)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    _check(x, kernel.shape[0], stride, padding, dilation)
    windows = patches(pad(x, padding, mode), kernel.shape[0], stride, dilation)  # (oh, ow, k, k)
    # Each output cell: the patch times the kernel, element by element, summed over a and b.
    return np.einsum("ijab,ab->ij", windows, kernel) + bias


def conv2d_multi(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    mode: str = "zero",
    dilation: int = 1,
) -> np.ndarray:
    """C channels (C, H, W) with K filters (K, C, k, k) -> K feature maps (K, out_h, out_w).

    Each filter spans every input channel: map k = sum over c of conv2d(x[c], filters[k, c]) + bias[k].
    Computed as im2col, as conv layers do: each patch (C*k*k numbers) becomes one column, and
    all K maps come out of one matrix product (K, C*k*k) @ (C*k*k, out_h*out_w).
    """
    filters = np.asarray(filters, dtype=np.float64)
    n_out, channels, k, _k = filters.shape
    if x.shape[0] != channels:
        raise ConvError(
            _("the filters expect {c} input channels, the input has {n}").format(c=channels, n=x.shape[0])
        )
    oh, ow = _check(x, k, stride, padding, dilation)
    windows = patches(pad(x, padding, mode), k, stride, dilation)  # (C, oh, ow, k, k)
    columns = windows.transpose(0, 3, 4, 1, 2).reshape(channels * k * k, oh * ow)
    maps = (filters.reshape(n_out, -1) @ columns).reshape(n_out, oh, ow)
    return maps if bias is None else maps + np.asarray(bias, dtype=np.float64)[:, None, None]


FAST_ABOVE = 256 * 256  # output cells per map past which the colour layer is handed to torch


def conv2d_multi_torch(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    mode: str = "zero",
    dilation: int = 1,
) -> np.ndarray:
    """conv2d_multi by torch.nn.functional.conv2d in float32 (as CNNs run; float32 maps out)."""
    import torch  # only this fast path needs torch; the teaching versions are numpy
    import torch.nn.functional as F

    _check(x, filters.shape[-1], stride, padding, dilation)
    _check_padding(x.shape, padding, mode)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]  # (1, C, H, W)
    if padding:
        t = F.pad(
            t, (padding,) * 4, mode={"zero": "constant", "reflect": "reflect", "replicate": "replicate"}[mode]
        )
    w = torch.from_numpy(np.ascontiguousarray(filters, dtype=np.float32))
    b = None if bias is None else torch.from_numpy(np.asarray(bias, dtype=np.float32))
    with torch.no_grad():
        out = F.conv2d(t, w, b, stride=stride, dilation=dilation)
    return out[0].numpy()  # float32: converting 8M values back to float64 alone costs ~60 ms


def layer_maps(
    x: np.ndarray,
    filters: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int = 0,
    mode: str = "zero",
    dilation: int = 1,
) -> np.ndarray:
    """The colour layer's K maps: numpy float64 (exact) up to FAST_ABOVE cells a map, torch beyond.

    K*C*k*k multiply-adds per output cell add up: 8 filters of 3x5x5 on a 1024 x 1024 photo are
    630 million, several hundred ms in numpy float64, and well under 200 ms in torch's float32 conv.
    """
    oh, ow = _check(x, filters.shape[-1], stride, padding, dilation)
    fn = conv2d_multi if oh * ow <= FAST_ABOVE else conv2d_multi_torch
    return fn(x, filters, bias, stride, padding, mode, dilation)


def param_count(n_filters: int, channels: int, k: int, bias: bool = True) -> int:
    """Weights and biases of a conv layer: K * C * k * k + K."""
    return n_filters * channels * k * k + (n_filters if bias else 0)


@dataclass(frozen=True)
class CellWalk:
    """The arithmetic behind one output cell of a convolution."""

    row: int
    col: int
    rows: np.ndarray  # (k,) input rows the kernel's rows read, in the unpadded image's coordinates
    cols: np.ndarray  # (k,) input columns; < 0 or >= the image size means a padding cell
    patch: np.ndarray  # (k, k) the input values under the kernel's taps
    kernel: np.ndarray  # (k, k)
    products: np.ndarray  # (k, k) patch * kernel, element by element
    bias: float
    total: float  # products.sum() + bias == output[row, col]
    window: np.ndarray  # (span, span) the padded input under the kernel, NaN in the dilation gaps
    from_padding: np.ndarray  # (k, k) True where the tap reads a padding cell


def cell_walkthrough(
    img: np.ndarray,
    kernel: np.ndarray,
    row: int,
    col: int,
    stride: int = 1,
    padding: int = 0,
    mode: str = "zero",
    dilation: int = 1,
    bias: float = 0.0,
) -> CellWalk:
    """Patch, kernel, products and sum for output[row, col], indexed by hand (no sliding windows)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    k = kernel.shape[0]
    oh, ow = _check(img, k, stride, padding, dilation)
    if not (0 <= row < oh and 0 <= col < ow):
        raise ConvError(
            _("cell ({row}, {col}) is outside the {oh}x{ow} output").format(row=row, col=col, oh=oh, ow=ow)
        )
    padded = pad(img, padding, mode)
    # Output (row, col) starts reading at padded (row*s, col*s); tap a sits d*a further on.
    taps = np.arange(k) * dilation
    prow, pcol = row * stride + taps, col * stride + taps
    patch = padded[np.ix_(prow, pcol)]
    products = patch * kernel
    width = span(k, dilation)
    window = np.full((width, width), np.nan)
    window[np.ix_(taps, taps)] = patch
    h, w = img.shape
    rows, cols = prow - padding, pcol - padding
    outside = ((rows < 0) | (rows >= h))[:, None] | ((cols < 0) | (cols >= w))[None, :]
    return CellWalk(
        row, col, rows, cols, patch, kernel, products, bias, float(products.sum() + bias), window, outside
    )


def pool2d(x: np.ndarray, size: int, stride: int, kind: str = "max") -> np.ndarray:
    """Max or average pooling of (..., H, W) with a size x size window and no padding."""
    if kind not in POOLS:
        raise ConvError(
            _("pooling {kind} is not one of {kinds}").format(kind=repr(kind), kinds=", ".join(POOLS))
        )
    oh, ow = _check(x, size, stride, 0, 1)
    x = np.asarray(x, dtype=np.float64)

    def cell(a: int, b: int) -> np.ndarray:
        # cell(a, b)[i, j] = x[i*s + a, j*s + b]: cell (a, b) of every window at once.
        return x[..., a : a + stride * (oh - 1) + 1 : stride, b : b + stride * (ow - 1) + 1 : stride]

    # Reduce over the size*size cells of the windows, one cell position at a time: the same max
    # (or sum) as over each window, and 5-10x faster than reducing sliding windows (no gathers).
    out = cell(0, 0).copy()
    for a in range(size):
        for b in range(size):
            if a or b:
                (np.maximum if kind == "max" else np.add)(out, cell(a, b), out=out)
    return out if kind == "max" else out / (size * size)


@dataclass(frozen=True)
class PoolWalk:
    """Which input cells one pooled cell reads, and what it keeps."""

    row: int
    col: int
    rows: np.ndarray  # (size,) input rows of the window
    cols: np.ndarray  # (size,) input columns
    window: np.ndarray  # (size, size) their values
    kind: str
    result: float  # the window's max or mean == pooled[row, col]
    argmax: tuple[int, int]  # where the max sits in the window (for max pooling)


def pool_walkthrough(x: np.ndarray, size: int, stride: int, kind: str, row: int, col: int) -> PoolWalk:
    """The window behind pooled[row, col] and its max or mean, indexed by hand."""
    oh, ow = _check(x, size, stride, 0, 1)
    if not (0 <= row < oh and 0 <= col < ow):
        raise ConvError(
            _("cell ({row}, {col}) is outside the {oh}x{ow} pooled map").format(
                row=row, col=col, oh=oh, ow=ow
            )
        )
    rows, cols = row * stride + np.arange(size), col * stride + np.arange(size)
    window = np.asarray(x, dtype=np.float64)[np.ix_(rows, cols)]
    a, b = np.unravel_index(int(np.argmax(window)), window.shape)
    result = float(window.max()) if kind == "max" else float(window.sum() / window.size)
    return PoolWalk(row, col, rows, cols, window, kind, result, (int(a), int(b)))
