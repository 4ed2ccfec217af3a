"""Through depth: f'(z)^L, the share of a gradient the activations alone leave after L layers.

Backprop multiplies one slope f'(z_l) per layer (times the weights, left out here). With every
layer's unit at the same pre-activation z this product is f'(z)^L, checked in the tests against
an autograd chain of L layers. Pure: no streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.base.i18n import _, ngettext
from core.contract.activations import ACTIVATIONS

MAX_DEPTH = 30
VANISHED, EXPLODED = 1e-3, 1e3  # a gradient scaled by less / more than this is in trouble
MILLIONTH = 1e-6


def short(v: float) -> str:
    """A number in three significant digits; an edge found at 4e-22 is 0, and -0.0 prints as 0."""
    return f"{round(v, 6) + 0.0:.3g}"


def slope(name: str, z: float) -> float:
    """f'(z): the factor one layer at pre-activation z applies to a gradient passing back."""
    return float(ACTIVATIONS[name].df(torch.tensor(z, dtype=torch.float64)))


def depth_products(name: str, z: float, max_depth: int = MAX_DEPTH) -> np.ndarray:
    """f'(z)^L for L = 1..max_depth: what is left of a gradient after L layers all sitting at z.

    Backprop multiplies one f'(z_l) per layer (times the weights, left out here), so this is
    the activation's own share of the vanishing or exploding.
    """
    return np.power(slope(name, z), np.arange(1, max_depth + 1, dtype=np.float64))


def layers_until(s: float, level: float = MILLIONTH) -> int | None:
    """The fewest layers after which |s|^L < level; None if it never gets there (|s| >= 1)."""
    s = abs(s)
    if s >= 1:
        return None
    if s == 0:
        return 1
    n = math.ceil(math.log(level) / math.log(s))
    return n if s**n < level else n + 1  # guard log rounding at exact powers


@dataclass(frozen=True)
class DepthReading:
    """f'(z)^L in words, with a verdict for the page's colour."""

    verdict: str  # "dead", "vanishing", "shrinking", "steady", "growing", "exploding"
    slope: float
    product: float
    text: str


def depth_reading(name: str, z: float, depth: int) -> DepthReading:
    """A plain-words reading of f'(z)^L, e.g. 'after 10 sigmoid layers at z=0 the gradient is ...'."""
    s = slope(name, z)
    p = s**depth
    if s == 0:
        text = _(
            "At z = {z} the slope of {name} is 0: a unit there passes back no gradient at all, so along "
            "this chain nothing reaches the layers below, whatever the depth. In a real layer, the other "
            "units with a non-zero slope still carry gradient down."
        ).format(z=short(z), name=name)
        return DepthReading("dead", s, p, text)
    head = ngettext("After {n} {name} layer at z = {z}", "After {n} {name} layers at z = {z}", depth).format(
        n=depth, name=name, z=short(z)
    )
    base = f"({s:.4g})" if s < 0 else f"{s:.4g}"
    text = _("{head} the gradient is {base}^{n} = {p:.2g} of what it was").format(
        head=head, base=base, n=depth, p=p
    )
    if s < 0:
        text += _(" (the slope is negative, so its sign flips at every layer)")
    if abs(p) < VANISHED:
        verdict = "vanishing"
        text += _(
            ": under a thousandth is left, so through this chain the first layers get almost none of it "
            "(below a millionth after {k} layers)"
        ).format(k=layers_until(s))
    elif abs(s) < 1:
        verdict = "shrinking"
        text += _(": it shrinks, and would fall below a millionth after {k} layers").format(k=layers_until(s))
    elif abs(s) == 1:
        verdict = "steady"
        text += _(": it passes through unchanged, however deep the net")
    elif abs(p) > EXPLODED:
        verdict = "exploding"
        text += _(": it has grown more than a thousandfold, and the first layers would take huge steps")
    else:
        verdict = "growing"
        text += _(": it grows a little with every layer")
    return DepthReading(verdict, s, p, text + ".")
