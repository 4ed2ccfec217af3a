"""The Convolution page's settings and inputs: the view in the URL, tiny patterns, filter banks.

The maths lives in core.imaging.convolution and the kernels in core.imaging.kernels; this module
holds what the page chooses between: the view dataclass (its fields are the URL's query parameters), the small
synthetic images where every number can be printed, the photo shrunk to a working size, and the
K colour filters of the Channels section. Pure: no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.base.i18n import N_, _, ngettext
from core.contract.config import ConfigError, config_field
from core.imaging.convolution import PAD_MODES, POOLS, CellWalk, PoolWalk, param_count, same_padding
from core.imaging.image_samples import SAMPLES
from core.imaging.imageio import shrink, to_gray
from core.imaging.kernels import KERNELS, KernelError, parse_kernel, rows_text

PICTURE = "picture"
UPLOAD = "upload"  # the image picker's "your own file" choice (ui.imaging.image_input.UPLOAD)
MAX_CELL = 1023  # row / column fields accept any cell of a 1024 px image; the page clamps to the map


@dataclass(frozen=True)
class Pattern:
    """A tiny synthetic image: small enough to print every pixel, chosen to show one effect."""

    label: str  # N_()-marked, like blurb
    blurb: str
    build: Callable[[], np.ndarray]


def _edge() -> np.ndarray:
    x = np.zeros((8, 8))
    x[:, 4:] = 9
    return x


def _square() -> np.ndarray:
    x = np.zeros((8, 8))
    x[2:6, 2:6] = 9
    return x


def _dot() -> np.ndarray:
    x = np.zeros((9, 9))
    x[4, 4] = 1
    return x


def _cross() -> np.ndarray:
    x = np.zeros((12, 12))
    x[5:7, :] = 9
    x[:, 5:7] = 9
    return x


def _checker() -> np.ndarray:
    i, j = np.indices((8, 8))
    return ((i // 2 + j // 2) % 2) * 9.0


PATTERNS: dict[str, Pattern] = {
    "edge": Pattern(N_("edge 8x8"), N_("dark left half (0), bright right half (9)"), _edge),
    "square": Pattern(N_("square 8x8"), N_("a bright 4x4 square (9) on black (0)"), _square),
    "dot": Pattern(
        N_("dot 9x9"), N_("a single 1 in the middle: the output is the kernel turned by 180 degrees"), _dot
    ),
    "cross": Pattern(N_("cross 12x12"), N_("a bright plus sign, two pixels thick"), _cross),
    "diagonal": Pattern(N_("diagonal 12x12"), N_("one bright diagonal line"), lambda: np.eye(12) * 9),
    "checker": Pattern(N_("checkerboard 8x8"), N_("2x2 squares of 0 and 9"), _checker),
    "ramp": Pattern(
        N_("ramp 8x8"), N_("brightness 0 to 7 from left to right"), lambda: np.tile(np.arange(8.0), (8, 1))
    ),
    "digits": Pattern(
        N_("random digits 8x8"),
        N_("random whole numbers 0-9: check the sums by hand"),
        lambda: np.random.default_rng(0).integers(0, 10, (8, 8)).astype(np.float64),
    ),
}
SOURCES = (PICTURE, *PATTERNS)


def canonical_weights(text: str) -> str:
    """A typed kernel as URL text ('1 2 1; 2 4 2; 1 2 1', fractions kept), '' for none."""
    if not str(text).strip():
        return ""
    try:
        parse_kernel(text)
    except KernelError as err:
        raise ConfigError(f"weights: {err}") from None  # the field's name, then the reason
    return rows_text(text)


@dataclass(frozen=True)
class ConvView:
    """What the Convolution page shows: input, kernel, stride / padding / dilation, cells, pooling."""

    source: str = config_field(
        PICTURE, N_("Convolve"), N_("the picture above, or a tiny pattern"), choices=SOURCES
    )
    image: str = config_field(
        "china", N_("Image"), N_("a bundled picture, or your own file"), choices=(*SAMPLES, UPLOAD)
    )
    side: int = config_field(
        64, N_("Working size (px)"), N_("the picture is shrunk to this longer side"), min=16, max=128
    )
    kernel: str = config_field("sobel_x_3x3", N_("Kernel"), N_("a named kernel"), choices=tuple(KERNELS))
    weights: str = config_field(
        "", N_("Typed kernel"), N_("your own weights (empty: the named kernel)"), parse=canonical_weights
    )
    stride: int = config_field(1, N_("Stride s"), N_("pixels the kernel moves between outputs"), min=1, max=4)
    padding: int = config_field(0, N_("Padding p"), N_("pixels added on every side"), min=0, max=4)
    same: bool = config_field(
        False, N_("Same padding"), N_("p = d(k-1)/2: the output keeps the input size at s = 1")
    )
    pad_mode: str = config_field(
        "zero", N_("Padding mode"), N_("what the added pixels hold"), choices=PAD_MODES
    )
    dilation: int = config_field(
        1, N_("Dilation d"), N_("gap between the pixels the kernel reads"), min=1, max=3
    )
    row: int = config_field(
        3, N_("Output row"), N_("the output cell to work out by hand"), min=0, max=MAX_CELL
    )
    col: int = config_field(
        3, N_("Output column"), N_("the output cell to work out by hand"), min=0, max=MAX_CELL
    )
    filters: int = config_field(
        4, N_("Filters K"), N_("filters in the colour layer, one map each"), min=1, max=8
    )
    bank: str = config_field(
        "designed",
        N_("Filters"),
        N_("hand-made filters, or random ones as a fresh layer starts"),
        choices=("designed", "random"),
    )
    bank_size: str = config_field(
        "3", N_("Filter size k"), N_("each filter is 3 x k x k"), choices=("3", "5")
    )
    pool: str = config_field("max", N_("Pooling"), N_("keep the largest value, or the mean"), choices=POOLS)
    pool_size: int = config_field(2, N_("Pool size"), N_("the window is size x size"), min=1, max=4)
    pool_stride: int = config_field(2, N_("Pool stride"), N_("cells the window moves"), min=1, max=4)
    pool_row: int = config_field(0, N_("Pooled row"), N_("the pooled cell to work out"), min=0, max=MAX_CELL)
    pool_col: int = config_field(
        0, N_("Pooled column"), N_("the pooled cell to work out"), min=0, max=MAX_CELL
    )


def kernel_weights(view: ConvView) -> np.ndarray:
    """The kernel the view uses: the typed weights when set, the named preset otherwise."""
    return parse_kernel(view.weights) if view.weights else KERNELS[view.kernel].weights


def padding_of(view: ConvView, k: int) -> int:
    """p in pixels: the typed amount, or d(k-1)/2 for 'same'."""
    return same_padding(k, view.dilation) if view.same else view.padding


def working_rgb(rgb: np.ndarray, side: int) -> np.ndarray:
    """The picture shrunk (never enlarged) so its longer side is at most `side` pixels."""
    return shrink(rgb, side)


def gray_of(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float64 grey levels 0..255 (BT.601 luma, as the Image basics page computes it)."""
    return to_gray(rgb).astype(np.float64)


def channels_first(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (3, H, W) float64: one 2-D plane per colour, as conv layers take them."""
    return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float64)


def source_label(name: str) -> str:
    """How the page lists an input: the picture, or a tiny pattern with what it shows."""
    if name == PICTURE:
        return _("the picture above, in grey, shrunk to the working size")
    return _("tiny {label}: {blurb}").format(label=_(PATTERNS[name].label), blurb=_(PATTERNS[name].blurb))


def pattern(name: str) -> np.ndarray:
    """One of PATTERNS as float64 (H, W)."""
    return PATTERNS[name].build().astype(np.float64)


LUMA = (0.299, 0.587, 0.114)  # how much each channel counts in grey (ITU-R BT.601)
# (name, weight per channel R G B, kernel): a designed filter is the kernel on each channel
# scaled by that channel's weight, so "gray: Sobel x" = Sobel x applied to the grey image.
DESIGNED = (  # names N_()-marked: translated by filter_bank
    (N_("red: Sobel x"), (1.0, 0.0, 0.0), "sobel_x"),
    (N_("gray: Gaussian blur"), LUMA, "gaussian"),
    (N_("green minus red"), (-1.0, 1.0, 0.0), "identity"),
    (N_("gray: Sobel y"), LUMA, "sobel_y"),
    (N_("blue minus yellow"), (-0.5, -0.5, 1.0), "identity"),
    (N_("gray: Laplacian"), LUMA, "laplacian"),
    (N_("red: sharpen"), (1.0, 0.0, 0.0), "sharpen"),
    (N_("blue: Sobel x"), (0.0, 0.0, 1.0), "sobel_x"),
)


@dataclass(frozen=True)
class FilterBank:
    """K filters over 3 colour channels and their biases."""

    names: tuple[str, ...]  # in the current language
    weights: np.ndarray  # (K, 3, k, k)
    bias: np.ndarray  # (K,)


def filter_bank(kind: str, n_filters: int, k: int, seed: int = 0) -> FilterBank:
    """K designed filters (named), or K random ones drawn as nn.Conv2d initialises a layer."""
    if kind == "designed":
        rows = DESIGNED[:n_filters]
        weights = np.stack(
            [np.asarray(c)[:, None, None] * KERNELS[f"{name}_{k}x{k}"].weights for _label, c, name in rows]
        )
        return FilterBank(tuple(_(r[0]) for r in rows), weights, np.zeros(len(rows)))
    # nn.Conv2d's default init: weights and biases uniform in +-1/sqrt(fan_in), fan_in = 3 k k.
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(3 * k * k)
    weights = rng.uniform(-bound, bound, (n_filters, 3, k, k))
    bias = rng.uniform(-bound, bound, n_filters)
    return FilterBank(tuple(_("random {i}").format(i=i + 1) for i in range(n_filters)), weights, bias)


def _num(v: float) -> str:
    """A number for a sentence: whole numbers bare, others to 6 significant digits (1/16ths stay
    exact), negatives in parentheses so '3 × (-1)' reads as a product."""
    text = str(int(round(v))) if abs(v - round(v)) < 1e-9 else f"{v:.6g}"
    return f"({text})" if text.startswith("-") else text


def sum_sentence(walk: CellWalk, max_terms: int = 9) -> str:
    """The cell's sum written out: '0 × (-1) + 9 × 1 + ... = 36' (terms with weight 0 left out)."""
    terms = [f"{_num(x)} × {_num(w)}" for x, w in zip(walk.patch.ravel(), walk.kernel.ravel()) if w != 0]
    bias = _(" + bias {b}").format(b=_num(walk.bias)) if walk.bias else ""
    total = _num(walk.total).strip("()")
    if not terms:
        return _("every weight is 0, so the sum is {total}").format(total=total)
    if len(terms) > max_terms:
        return _("the sum of the {n} products with a non-zero weight{bias} = {total}").format(
            n=len(terms), bias=bias, total=total
        )
    skipped = _(" (weights of 0 left out)") if len(terms) < walk.kernel.size else ""
    return f"{' + '.join(terms)}{bias} = {total}{skipped}"


def pool_sentence(walk: PoolWalk) -> str:
    """What one pooled cell keeps, in words with its numbers."""
    cells = _("rows {r0}-{r1}, columns {c0}-{c1}").format(
        r0=walk.rows[0], r1=walk.rows[-1], c0=walk.cols[0], c1=walk.cols[-1]
    )
    result = _num(walk.result).strip("()")
    if walk.kind == "max":
        a, b = walk.argmax
        return _(
            "reads the map's {cells} and keeps the largest of its {n} values: {result} (row {r}, column {c})"
        ).format(cells=cells, n=walk.window.size, result=result, r=walk.rows[a], c=walk.cols[b])
    values = walk.window.ravel()
    shown = (
        " + ".join(_num(v) for v in values) if values.size <= 9 else _("the {n} values").format(n=values.size)
    )
    return _("reads the map's {cells} and keeps their mean: ({shown}) / {n} = {result}").format(
        cells=cells, shown=shown, n=values.size, result=result
    )


def params_sentence(n_filters: int, channels: int, k: int) -> str:
    """The layer's parameter count with the numbers put in."""
    weights = n_filters * channels * k * k
    total = param_count(n_filters, channels, k)
    counts = ngettext("({w} weights and {k} bias)", "({w} weights and {k} biases)", n_filters).format(
        w=f"{weights:,}", k=n_filters
    )
    return f"K × C × k × k + K = {n_filters} × {channels} × {k} × {k} + {n_filters} = {total:,} {counts}"
