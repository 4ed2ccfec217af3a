"""Convolution kernels: the named presets, and a typed grid parsed into numbers (never evaluated).

A preset is kept as whole numbers over one divisor (a Gaussian blur is [1 2 1; 2 4 2; 1 2 1] / 16),
so the page can print it the way a textbook does and the text parses back to the same weights.
A typed kernel is read by a tiny grammar: rows split by newlines or ';', numbers by spaces or
commas, each number a decimal or a fraction like 1/9. Anything else is rejected with the row and
column where it went wrong. Pure: no streamlit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from core.base.i18n import N_, _, ngettext

MAX_SIZE = 7  # the page prints every weight; 7 x 7 is the most that stays readable
MAX_WEIGHT = 1000.0  # larger weights only overflow the colour scale; nobody needs them to learn
MAX_TEXT = 2000  # characters: a 7 x 7 grid of long fractions fits with room to spare


class KernelError(ValueError):
    """A typed kernel that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Kernel:
    """A named kernel: integer weights over one divisor, and what it does in a few words."""

    label: str  # N_()-marked, like blurb: translate with _() where shown
    ints: tuple[tuple[int, ...], ...]
    divisor: int
    blurb: str

    @property
    def weights(self) -> np.ndarray:
        """The weights as a float64 array (ints / divisor)."""
        return np.array(self.ints, dtype=np.float64) / self.divisor

    @property
    def size(self) -> int:
        """k: the kernel is k x k."""
        return len(self.ints)

    @property
    def formula(self) -> str:
        """The weights as a textbook writes them: '[1 2 1; 2 4 2; 1 2 1] / 16'."""
        grid = "[" + "; ".join(" ".join(str(v) for v in row) for row in self.ints) + "]"
        return grid if self.divisor == 1 else f"{grid} / {self.divisor}"

    @property
    def text(self) -> str:
        """The grid as text the parser reads back: '1/16 2/16 1/16' rows for a divided kernel."""

        def cell(v: int) -> str:
            return str(v) if self.divisor == 1 or v == 0 else f"{v}/{self.divisor}"

        return "\n".join(" ".join(cell(v) for v in row) for row in self.ints)


def _grid(rows: list[list[int]]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(v) for v in row) for row in rows)


def _outer(a: list[int], b: list[int]) -> tuple[tuple[int, ...], ...]:
    """Separable kernels: column profile a times row profile b."""
    return _grid(np.outer(a, b).tolist())


def _centre(k: int) -> tuple[tuple[int, ...], ...]:
    return _grid([[int(i == j == k // 2) for j in range(k)] for i in range(k)])


BINOMIAL = {3: [1, 2, 1], 5: [1, 4, 6, 4, 1]}  # rows of Pascal's triangle: a Gaussian's integer cousin
DERIVATIVE = {3: [-1, 0, 1], 5: [-1, -2, 0, 2, 1]}  # right minus left (5: the derivative of a smoothed step)
SHARPEN_5 = [[-v for v in row] for row in np.outer(BINOMIAL[5], BINOMIAL[5]).tolist()]
SHARPEN_5[2][2] = 2 * 256 - 36  # 2 x identity - Gaussian: unsharp masking, in 256ths
LAPLACE_5 = [[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1], [0, 1, 2, 1, 0], [0, 0, 1, 0, 0]]

KERNELS: dict[str, Kernel] = {
    "identity_3x3": Kernel(
        N_("Identity 3x3"), _centre(3), 1, N_("copies the image: only the centre weight is 1")
    ),
    "identity_5x5": Kernel(
        N_("Identity 5x5"), _centre(5), 1, N_("copies the image: a wider window, zeros but the centre")
    ),
    "box_blur_3x3": Kernel(
        N_("Box blur 3x3"), _grid([[1] * 3] * 3), 9, N_("each pixel becomes the mean of 9")
    ),
    "box_blur_5x5": Kernel(
        N_("Box blur 5x5"), _grid([[1] * 5] * 5), 25, N_("the mean of 25: a stronger blur")
    ),
    "gaussian_3x3": Kernel(
        N_("Gaussian blur 3x3"),
        _outer(BINOMIAL[3], BINOMIAL[3]),
        16,
        N_("a weighted mean: near pixels count more"),
    ),
    "gaussian_5x5": Kernel(
        N_("Gaussian blur 5x5"), _outer(BINOMIAL[5], BINOMIAL[5]), 256, N_("a wider weighted mean, smoother")
    ),
    "sharpen_3x3": Kernel(
        N_("Sharpen 3x3"),
        _grid([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
        1,
        N_("the pixel plus its 4 differences from its neighbours: 5 x the pixel minus the 4"),
    ),
    "sharpen_5x5": Kernel(
        N_("Sharpen 5x5 (unsharp mask)"),
        _grid(SHARPEN_5),
        256,
        N_("2 x the image minus its 5x5 Gaussian blur"),
    ),
    "sobel_x_3x3": Kernel(
        N_("Sobel x 3x3"),
        _outer(BINOMIAL[3], DERIVATIVE[3]),
        1,
        N_("right minus left: vertical edges, positive where it gets brighter to the right"),
    ),
    "sobel_x_5x5": Kernel(
        N_("Sobel x 5x5"), _outer(BINOMIAL[5], DERIVATIVE[5]), 1, N_("vertical edges, smoothed over 5 rows")
    ),
    "sobel_y_3x3": Kernel(
        N_("Sobel y 3x3"),
        _outer(DERIVATIVE[3], BINOMIAL[3]),
        1,
        N_("bottom minus top: horizontal edges, positive where it gets brighter downwards"),
    ),
    "sobel_y_5x5": Kernel(
        N_("Sobel y 5x5"),
        _outer(DERIVATIVE[5], BINOMIAL[5]),
        1,
        N_("horizontal edges, smoothed over 5 columns"),
    ),
    "laplacian_3x3": Kernel(
        N_("Laplacian 3x3"),
        _grid([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
        1,
        N_("the 4 neighbours minus 4 x the pixel: 0 on flat areas and ramps, large at edges"),
    ),
    "laplacian_5x5": Kernel(
        N_("Laplacian 5x5"), _grid(LAPLACE_5), 1, N_("a smoothed Laplacian: edges, less sensitive to noise")
    ),
    "emboss_3x3": Kernel(
        N_("Emboss 3x3"),
        _grid([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
        1,
        N_(
            "the pixel, plus its bottom-right neighbours minus its top-left ones: flat areas keep their value"
        ),
    ),
    "outline_3x3": Kernel(
        N_("Outline 3x3"),
        _grid([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
        1,
        N_("8 x the pixel minus its 8 neighbours: outlines on black"),
    ),
}

# One number: optional sign, digits with an optional point (or a leading point), optional exponent.
_NUM = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(rf"({_NUM})(?:/({_NUM}))?")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})  # a minus sign pasted from a book or a web page


def _number(token: str, where: str) -> float:
    """One weight: '2', '-0.5', '1e-2' or a fraction '1/9'; anything else is a KernelError."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        shown = token if len(token) <= 20 else token[:20] + "..."
        raise KernelError(
            _("{where}: {token} is not a number (write e.g. 2, -0.5 or 1/9)").format(
                where=where, token=repr(shown)
            )
        )
    num, den = match.group(1), match.group(2)
    value = float(num)
    if den is not None:
        if float(den) == 0:
            raise KernelError(_("{where}: {token} divides by zero").format(where=where, token=repr(token)))
        value /= float(den)
    if not math.isfinite(value) or abs(value) > MAX_WEIGHT:
        raise KernelError(
            _("{where}: {token} is too large (keep weights between -1000 and 1000)").format(
                where=where, token=repr(token)
            )
        )
    return value


def _rows(text: str) -> list[str]:
    """Split the text into rows: newlines, ';' or numpy-style '[...]' brackets end a row."""
    text = text.translate(_MINUS).replace("[", " ").replace("]", ";")
    return [r.strip(" \t,") for r in re.split(r"[;\n\r]", text) if r.strip(" \t,")]


def parse_kernel(text: str) -> np.ndarray:
    """A typed k x k grid (k odd, 1..7) -> float64 weights; KernelError names the row and column."""
    if len(text) > MAX_TEXT:
        raise KernelError(
            _("the text is {n} characters long; a {k}x{k} grid needs far less").format(
                n=len(text), k=MAX_SIZE
            )
        )
    rows = _rows(text)
    if not rows:
        raise KernelError(_("type the kernel's weights: one row per line, numbers separated by spaces"))
    if len(rows) > MAX_SIZE:
        raise KernelError(_("{n} rows: at most {k} x {k} here").format(n=len(rows), k=MAX_SIZE))
    grid = []
    for i, row in enumerate(rows, start=1):
        tokens = [t for t in re.split(r"[,\s]+", row) if t]
        if len(tokens) > MAX_SIZE:
            raise KernelError(
                _("row {i} has {n} numbers: at most {k} x {k} here").format(i=i, n=len(tokens), k=MAX_SIZE)
            )
        where = _("row {i}, column {j}")
        grid.append([_number(t, where.format(i=i, j=j)) for j, t in enumerate(tokens, start=1)])
    widths = [len(r) for r in grid]
    for i, w in enumerate(widths[1:], start=2):
        if w != widths[0]:
            raise KernelError(
                _("row {i} has {n} numbers but row 1 has {first}: every row needs the same count").format(
                    i=i, n=w, first=widths[0]
                )
            )
    k = len(grid)
    if widths[0] != k:
        raise KernelError(
            ngettext(
                "{k} row of {n} numbers: a kernel here is square (k rows of k numbers)",
                "{k} rows of {n} numbers: a kernel here is square (k rows of k numbers)",
                k,
            ).format(k=k, n=widths[0])
        )
    if k % 2 == 0:
        raise KernelError(
            _("{k} x {k}: use an odd size (1, 3, 5 or 7) so the kernel has a centre cell").format(k=k)
        )
    return np.array(grid, dtype=np.float64)


def rows_text(text: str) -> str:
    """A valid typed grid on one line, its numbers as typed: '1/16 2/16 1/16; 2/16 ...'."""
    return "; ".join(" ".join(t for t in re.split(r"[,\s]+", row) if t) for row in _rows(text))


def format_weight(v: float) -> str:
    """A weight as short text: integers bare, others to 4 significant digits."""
    return str(int(v)) if float(v).is_integer() else f"{v:.4g}"


def kernel_text(weights: np.ndarray) -> str:
    """Any kernel as text that parse_kernel reads back (to 4 significant digits for non-integers)."""
    return "\n".join(" ".join(format_weight(v) for v in row) for row in np.asarray(weights))
