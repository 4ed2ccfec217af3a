"""The Activations page's maths: curves, read-offs, flat regions and the slope's peak.

Everything comes from the ACTIVATIONS registry (its f and hand-written f'), evaluated in
float64, so the page shows the same functions the labs train with. Pure: no streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.activations import ACTIVATIONS, SATURATION
from core.config import MLPConfig, config_field, to_params
from core.depth_lessons import MAX_DEPTH, short

X_RANGE = 6.0  # the page plots and reads off x in [-6, 6]
WINDOW = 8.0  # regions are searched a little wider, so a region crossing +-6 is not cut there
GRID_STEP = 1e-3  # first pass on a grid, then each region edge is refined by bisection


@dataclass(frozen=True)
class ActivationsView:
    """What the Activations page shows: one activation, another to compare, x, z and depth L."""

    activation: str = config_field(
        "sigmoid", "Activation", "the function to study", choices=tuple(ACTIVATIONS)
    )
    compare: str = config_field(
        "none",
        "Compare with",
        "a second activation, drawn dashed on both charts",
        choices=("none", *ACTIVATIONS),
    )
    x: float = config_field(
        1.0, "Read off at x", "where to read f(x) and f'(x) off both curves", min=-X_RANGE, max=X_RANGE
    )
    z: float = config_field(
        0.0, "Pre-activation z", "where every layer's unit sits in the depth chart", min=-X_RANGE, max=X_RANGE
    )
    depth: int = config_field(
        10, "Layers L", "how many layers the gradient flows back through", min=1, max=MAX_DEPTH
    )


# f'(x) in LaTeX, next to the registry's f(x): the derivatives the registry's df implements.
DERIVATIVE_LATEX = {
    "relu": r"\begin{cases}1 & x>0\\0 & x\le 0\end{cases}",
    "sigmoid": r"\sigma(x)\,(1-\sigma(x))",
    "tanh": r"1-\tanh^2 x",
    "leaky_relu": r"\begin{cases}1 & x>0\\0.01 & x\le 0\end{cases}",
    "elu": r"\begin{cases}1 & x>0\\e^x & x\le 0\end{cases}",
    "gelu": r"\Phi(x) + x\,\varphi(x)",
    "softplus": r"\sigma(x) = \frac{1}{1+e^{-x}}",
    "linear": "1",
}


def _df(name: str, x: np.ndarray | float) -> np.ndarray:
    """The registry's hand-written f' in float64, as numpy."""
    return ACTIVATIONS[name].df(torch.as_tensor(x, dtype=torch.float64)).numpy()


@dataclass(frozen=True)
class Curves:
    """f and f' of one activation sampled on a grid."""

    name: str
    x: np.ndarray
    f: np.ndarray
    df: np.ndarray


def curves(name: str, lo: float = -X_RANGE, hi: float = X_RANGE, n: int = 1201) -> Curves:
    """f(x) and f'(x) on n evenly spaced points (step 0.01 by default)."""
    x = torch.linspace(lo, hi, n, dtype=torch.float64)
    act = ACTIVATIONS[name]
    return Curves(name, x.numpy(), act.f(x).numpy(), act.df(x).numpy())


def read_off(name: str, x: float) -> tuple[float, float]:
    """(f(x), f'(x)) at one point."""
    t = torch.tensor(x, dtype=torch.float64)
    act = ACTIVATIONS[name]
    return float(act.f(t)), float(act.df(t))


def threshold(name: str) -> float:
    """The slope below which a unit counts as saturated: 10% of the best case."""
    return SATURATION * ACTIVATIONS[name].max_grad


@dataclass(frozen=True)
class Region:
    """An interval of x where |f'(x)| < threshold; +-inf where it runs past the search window."""

    lo: float
    hi: float
    kind: str  # "dead" (f' is exactly 0 throughout) or "saturated" (small but not zero)


def is_flat(name: str, x: np.ndarray) -> np.ndarray:
    """True where |f'(x)| < threshold: a unit there passes back less than a tenth of its best."""
    # The magnitude is what matters for the gradient: GELU's slope dips to -0.129 near x = -sqrt(2),
    # passing back 11% of the best case with its sign flipped, so that stretch is not saturated.
    return np.abs(_df(name, x)) < threshold(name)


def _edge(name: str, inside: float, outside: float) -> float:
    """Bisect between a flat point and a non-flat one down to float precision."""
    for _ in range(60):
        mid = 0.5 * (inside + outside)
        if mid in (inside, outside):
            break
        if is_flat(name, np.array([mid]))[0]:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)


def slow_regions(name: str, window: float = WINDOW) -> list[Region]:
    """Where the slope is below 10% of its maximum, computed from f' (grid + bisection)."""
    n = int(round(2 * window / GRID_STEP)) + 1
    x = np.linspace(-window, window, n)
    flat = is_flat(name, x)
    regions = []
    i = 0
    while i < n:
        if not flat[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and flat[j + 1]:
            j += 1
        lo = -math.inf if i == 0 else _edge(name, float(x[i]), float(x[i - 1]))
        hi = math.inf if j == n - 1 else _edge(name, float(x[j]), float(x[j + 1]))
        dead = not np.any(_df(name, x[i : j + 1]))
        regions.append(Region(lo, hi, "dead" if dead else "saturated"))
        i = j + 1
    return regions


def region_at(regions: list[Region], x: float) -> Region | None:
    """The region holding x, if any."""
    return next((r for r in regions if r.lo <= x <= r.hi), None)


def _span(r: Region) -> str:
    if r.lo == -math.inf and r.hi == math.inf:
        return "every x"
    if r.lo == -math.inf:
        return f"x < {short(r.hi)}"
    if r.hi == math.inf:
        return f"x > {short(r.lo)}"
    return f"{short(r.lo)} < x < {short(r.hi)}"


def regions_sentence(name: str, regions: list[Region] | None = None) -> str:
    """The flat regions in words, with the threshold they were computed from."""
    regions = slow_regions(name) if regions is None else regions
    act = ACTIVATIONS[name]
    thr, tenth = threshold(name), f"a tenth of its best {act.max_grad:.4g}"
    if not regions:
        return f"{name} has no flat region: |f'(x)| never drops below {thr:.3g}, {tenth}."
    parts = []
    for kind in ("dead", "saturated"):
        spans = [_span(r) for r in regions if r.kind == kind]
        if spans:
            word = "dead (f' = 0, no gradient at all)" if kind == "dead" else "saturated"
            parts.append(f"{word} for {' and '.join(spans)}")
    return f"{name} is {'; '.join(parts)} (|f'(x)| < {thr:.3g}, {tenth})."


@dataclass(frozen=True)
class Peak:
    """The largest slope, and where: at x, on lo..hi, or only approached (attained=False)."""

    value: float
    where: str
    x: float | None = None  # a single point where the maximum is reached, for a marker
    lo: float = -math.inf  # the maximum holds on lo..hi (ends excluded where `where` says so)
    hi: float = math.inf
    attained: bool = True


SQRT2 = math.sqrt(2)
# Where f' is largest, worked out by hand for each registry entry (tests check them on a grid);
# the value itself is the registry's max_grad.
PEAKS: dict[str, dict] = {
    "sigmoid": dict(where="at x = 0, where sigma(0) = 1/2", x=0.0, lo=0.0, hi=0.0),
    "tanh": dict(where="at x = 0, where tanh'(0) = 1 - tanh^2(0) = 1", x=0.0, lo=0.0, hi=0.0),
    "relu": dict(where="for every x > 0", lo=0.0),
    "leaky_relu": dict(where="for every x > 0", lo=0.0),
    "elu": dict(where="for every x >= 0 (e^0 = 1, so the two pieces meet smoothly)", lo=0.0),
    # GELU'' = 2 phi(x) - x^2 phi(x) = phi(x) (2 - x^2) = 0 at x = sqrt(2): a bump above 1.
    "gelu": dict(
        where="at x = sqrt(2) = 1.414, where GELU'' = phi(x)(2 - x^2) = 0", x=SQRT2, lo=SQRT2, hi=SQRT2
    ),
    "softplus": dict(
        where="only approached as x grows: f' = sigma(x) < 1 for every finite x", lo=math.inf, attained=False
    ),
    "linear": dict(where="for every x"),
}


def peak(name: str) -> Peak:
    """The derivative's maximum (the registry's max_grad) and where it is attained."""
    value = ACTIVATIONS[name].max_grad
    if name in PEAKS:
        return Peak(value, **PEAKS[name])
    # An activation added to the registry without a hand-worked entry: locate it on a grid.
    x = np.linspace(-WINDOW, WINDOW, int(2 * WINDOW / GRID_STEP) + 1)
    at = float(x[np.argmax(_df(name, x))])
    return Peak(value, f"near x = {at:.3g} (found on a grid)", x=at, lo=at, hi=at)


def percent(share: float) -> str:
    """A share as a percentage that stays readable when tiny: 18%, 0.13%, 0%."""
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share * 100:.2g}%"


def mlp_params(name: str, depth: int = 10) -> dict[str, str]:
    """URL params of the MLP lab training this activation at this depth (the rest default)."""
    return to_params(MLPConfig(depth=depth, activation=name))
