"""Tensors of rank 0 to 4, and reshape / permute / broadcast / index with readable errors.

Everything the learner types is parsed here by small hand-written parsers (integers, slices,
`...`, `None`, lists of integers): nothing typed is ever evaluated as Python. When an
operation is invalid, TensorOpError says which rule torch applies and where it breaks,
instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from core.base.i18n import N_, _, ngettext

MAX_ELEMENTS = 120  # the playground tensor stays small enough to print whole


class TensorOpError(ValueError):
    """An invalid tensor operation or input; the message states torch's rule in words."""


@dataclass(frozen=True)
class Example:
    """One tensor of a given rank, what its axes mean, and where such a tensor appears."""

    rank: int
    name: str  # N_()-marked, like note: translate with _() where shown
    tensor: Tensor
    axes: tuple[str, ...]  # axis names as code writes them: not translated
    note: str


def _photo(h: int = 12, w: int = 16) -> Tensor:
    """scikit-learn's bundled sample photo (read from its package folder: no download, and no
    slow `import sklearn`), box-averaged down to (h, w, 3) uint8; a colour ramp if it is missing."""
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0]) / "datasets/images/china.jpg" if spec else None
    if path is not None and path.exists():
        try:
            from PIL import Image

            with Image.open(path) as im:  # (427, 640) RGB
                small = im.convert("RGB").resize((w, h), Image.Resampling.BOX)  # mean of each box
            return torch.from_numpy(np.array(small))  # (h, w, 3): rows, columns, channels
        except (ImportError, OSError):
            pass
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return (torch.stack([xx, yy, 1 - xx * yy], -1) * 255).round().to(torch.uint8)


def rank_examples() -> list[Example]:
    """A scalar, a vector, a matrix, an H x W x C image and an N x C x H x W batch."""
    img = _photo()  # (12, 16, 3)
    # Four 6 x 8 tiles of the photo, each turned to channels-first: the layout conv layers take.
    tiles = [img[r : r + 6, c : c + 8] for r in (0, 6) for c in (0, 8)]
    batch = torch.stack([t.permute(2, 0, 1) for t in tiles])  # (N=4, C=3, H=6, W=8)
    return [
        Example(
            0,
            N_("scalar"),
            torch.tensor(0.6931),
            (),
            N_("one number: a loss, a learning rate, one pixel's brightness"),
        ),
        Example(
            1,
            N_("vector"),
            torch.tensor([0.5, -1.2, 3.0, 0.0]),
            (N_("features"),),
            N_("a list of numbers: one data point's features, or a layer's biases"),
        ),
        Example(
            2,
            N_("matrix"),
            torch.arange(12.0).reshape(3, 4) / 4,
            (N_("rows"), N_("columns")),
            N_("a table: a Linear layer's weights (out x in), or a batch of N points x features"),
        ),
        Example(
            3,
            N_("image"),
            img,
            ("H", "W", "C"),
            N_(
                "a photo averaged down to 12 x 16 pixels: height x width x colour channels (R, G, B), "
                "0-255, the layout of image files and numpy"
            ),
        ),
        Example(
            4,
            N_("batch"),
            batch,
            ("N", "C", "H", "W"),
            N_("N images, each channels-first (C x H x W): what Conv2d takes; img.permute(2, 0, 1) per tile"),
        ),
    ]


def playground(shape: tuple[int, ...]) -> Tensor:
    """torch.arange(n).reshape(shape): every element shows where it came from."""
    n = math.prod(shape)
    if n > MAX_ELEMENTS or n < 1:
        raise TensorOpError(
            _("keep the tensor between 1 and {most} elements (this shape has {n})").format(
                most=MAX_ELEMENTS, n=n
            )
        )
    return torch.arange(n).reshape(shape)


def parse_shape(text: str, allow_infer: bool = True) -> tuple[int, ...]:
    """'2, 3, 4' or '(2, 3, 4)' -> (2, 3, 4); one -1 allowed when allow_infer (reshape infers it)."""
    body = text.strip().strip("()[]").strip()
    if not body:
        return ()  # a rank-0 shape
    parts = [p.strip() for p in body.split(",") if p.strip()]
    if not all(re.fullmatch(r"-?\d+", p) for p in parts):
        raise TensorOpError(
            _("{text} is not a shape: write whole numbers separated by commas, e.g. 4, 6").format(
                text=repr(text)
            )
        )
    dims = tuple(int(p) for p in parts)
    if len(dims) > 6:
        raise TensorOpError(_("at most 6 dimensions here"))
    if any(d < -1 or (d == -1 and not allow_infer) for d in dims):
        rule = (
            _("sizes are positive (one -1 may stand for 'whatever fits')")
            if allow_infer
            else _("sizes are positive")
        )
        raise TensorOpError(f"{text!r}: {rule}")
    if dims.count(-1) > 1:
        raise TensorOpError(
            _("{text}: only one dimension can be -1 (torch infers it from the others)").format(
                text=repr(text)
            )
        )
    if any(d > 1000 for d in dims):
        raise TensorOpError(_("{text}: keep each size under 1000 here").format(text=repr(text)))
    return dims


def _fmt(shape: tuple[int, ...] | torch.Size) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def reshape(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """t.reshape(shape), or TensorOpError with the element-count rule."""
    n = t.numel()
    known = math.prod(d for d in shape if d != -1)
    # reshape keeps every element in the same (row-major) order, so the counts must agree;
    # a -1 takes n / (product of the other sizes), which must be a whole number.
    if -1 in shape and (known == 0 or n % known):
        raise TensorOpError(
            _(
                "cannot reshape {a} ({n} elements) to {b}: -1 must stand for {n} / {known}, which is "
                "not a whole number. Reshape keeps every element, so the sizes must multiply to {n}."
            ).format(a=_fmt(t.shape), b=_fmt(shape), n=n, known=known)
        )
    if -1 not in shape and known != n:
        raise TensorOpError(
            ngettext(
                "cannot reshape {a} ({n} elements) to {b} ({known} element). Reshape keeps every "
                "element in order, so the new sizes must multiply to {n} (e.g. {example}); one size "
                "may be -1 and torch infers it.",
                "cannot reshape {a} ({n} elements) to {b} ({known} elements). Reshape keeps every "
                "element in order, so the new sizes must multiply to {n} (e.g. {example}); one size "
                "may be -1 and torch infers it.",
                known,
            ).format(a=_fmt(t.shape), b=_fmt(shape), n=n, known=known, example=_fmt(_suggest(n)))
        )
    return t.reshape(shape)


def _suggest(n: int) -> tuple[int, ...]:
    """A 2-D shape holding n elements, as square as possible."""
    a = max(d for d in range(1, math.isqrt(n) + 1) if n % d == 0)
    return (a, n // a)


def permute(t: Tensor, dims: tuple[int, ...]) -> Tensor:
    """t.permute(dims), or TensorOpError: dims must name every axis exactly once."""
    nd = t.dim()
    norm = tuple(d + nd if d < 0 else d for d in dims)
    if len(dims) != nd or sorted(norm) != list(range(nd)):
        raise TensorOpError(
            _(
                "permute needs each of the {nd} axes 0..{last} exactly once (a new order for them), "
                "got {dims}. E.g. {example} reverses them."
            ).format(nd=nd, last=nd - 1, dims=_fmt(dims), example=_fmt(tuple(reversed(range(nd)))))
        )
    return t.permute(norm)


@dataclass(frozen=True)
class BroadcastRow:
    """One aligned axis (counted from the right): the two sizes and the result, or None if they clash."""

    axis: int  # -1 is the last axis
    a: int | None
    b: int | None
    out: int | None


def broadcast_rows(a: tuple[int, ...], b: tuple[int, ...]) -> list[BroadcastRow]:
    """Align two shapes from the right; a missing axis counts as 1; sizes must match or be 1."""
    rows = []
    for k in range(1, max(len(a), len(b)) + 1):
        sa = a[-k] if k <= len(a) else None
        sb = b[-k] if k <= len(b) else None
        x, y = 1 if sa is None else sa, 1 if sb is None else sb
        out = y if x == 1 else x if y in (1, x) else None  # a size 1 is repeated to match
        rows.append(BroadcastRow(-k, sa, sb, out))
    return rows[::-1]


def _or(v: int | None, missing: str) -> str:
    return missing if v is None else str(v)


def broadcast_table(a: tuple[int, ...], b: tuple[int, ...]) -> list[dict[str, str]]:
    """broadcast_rows as table rows (text, '–' for a missing axis, '✗' for a clash)."""
    return [
        {_("axis"): str(r.axis), "t": _or(r.a, "–"), "b": _or(r.b, "–"), "t + b": _or(r.out, _("✗ clash"))}
        for r in broadcast_rows(a, b)
    ]


def broadcast_add(t: Tensor, b_shape: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """(b, t + b) with b = 100 * arange reshaped to b_shape, or TensorOpError naming the clash."""
    rows = broadcast_rows(tuple(t.shape), b_shape)
    clash = [r for r in rows if r.out is None]
    if clash:
        r = clash[-1]
        raise TensorOpError(
            _(
                "cannot broadcast {a} with {b}: at axis {axis} the sizes are {sa} and {sb}. Shapes are "
                "lined up from the right; at each axis the sizes must be equal, or one of them 1 (it is "
                "repeated), or missing (treated as 1)."
            ).format(a=_fmt(t.shape), b=_fmt(b_shape), axis=r.axis, sa=r.a, sb=r.b)
        )
    b = playground(b_shape) * 100  # hundreds, so t's digits stay readable in the sum
    return b, t + b


_SLICE = re.compile(r"(-?\d+)?:(-?\d+)?(?::(-?\d+)?)?")


def parse_index(text: str) -> tuple:
    """'0, 1:3, ..., None, [0, 2]' -> an index tuple; integers, slices, ..., None and int lists only."""
    items, depth, cur = [], 0, ""
    for ch in text.strip():  # split on commas outside [...] lists
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    out: list = []
    for raw in (s.strip() for s in items):
        if re.fullmatch(r"-?\d+", raw):
            out.append(int(raw))
        elif raw in ("...", "None"):
            out.append(Ellipsis if raw == "..." else None)
        elif m := _SLICE.fullmatch(raw):
            start, stop, step = (int(g) if g else None for g in m.groups())
            if step is not None and step <= 0:
                raise TensorOpError(_("{raw}: torch slices need a positive step").format(raw=repr(raw)))
            out.append(slice(start, stop, step))
        elif m := re.fullmatch(r"\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]", raw):
            out.append([int(v) for v in m.group(1).split(",")])
        else:
            raise TensorOpError(
                _(
                    "{raw} is not an index: use integers (0, -1), slices (1:3, ::2, :), ..., None, "
                    "or a list of integers like [0, 2], separated by commas"
                ).format(raw=repr(raw))
            )
    if re.search(r"\d{7}", text):
        raise TensorOpError(_("positions here have at most 6 digits"))
    if out.count(Ellipsis) > 1:
        raise TensorOpError(_("only one ... per index (it stands for all the axes not named)"))
    return tuple(out)


def format_index(index: tuple) -> str:
    """An index tuple back as the text inside t[...]."""

    def one(i: object) -> str:
        if isinstance(i, slice):
            s = f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
            return s + (f":{i.step}" if i.step is not None else "")
        return "..." if i is Ellipsis else str(i)

    return ", ".join(one(i) for i in index)


def index(t: Tensor, idx: tuple) -> Tensor:
    """t[idx], or TensorOpError saying which axis the index does not fit."""
    named = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if named > t.dim():
        raise TensorOpError(
            _("t has {nd} axes {shape} but the index names {named}: one entry per axis at most").format(
                nd=t.dim(), shape=_fmt(t.shape), named=named
            )
        )
    try:
        return t[idx]
    except (
        IndexError,
        RuntimeError,
        ValueError,
    ) as err:  # out of range: torch's message already names the axis and size
        raise TensorOpError(
            _("{err}. Valid positions on an axis of size n are 0..n-1, or -n..-1.").format(err=err)
        ) from None


def mask_examples(t: Tensor) -> dict[str, Tensor]:
    """Boolean-mask indexing examples (fixed expressions, never typed): text -> result."""
    return {"t[t % 2 == 0]": t[t % 2 == 0], "t[t > t.numel() // 2]": t[t > t.numel() // 2]}


def describe(t: Tensor) -> str:
    """dtype, shape, rank and element count in one line."""
    n = t.numel()
    return ngettext(
        "shape {shape}, rank {rank}, {n} element, dtype {dtype}",
        "shape {shape}, rank {rank}, {n} elements, dtype {dtype}",
        n,
    ).format(shape=_fmt(tuple(t.shape)), rank=t.dim(), n=n, dtype=str(t.dtype)[6:])


def flat_view(t: Tensor) -> tuple[bool, bool]:
    """(whether t.view(-1) works, whether t.reshape(-1) shares t's memory): tried, not predicted."""
    try:
        t.view(-1)
        view_ok = True
    except RuntimeError:  # "view size is not compatible with input tensor's size and stride"
        view_ok = False
    shares = t.reshape(-1).untyped_storage().data_ptr() == t.untyped_storage().data_ptr()
    return view_ok, shares
