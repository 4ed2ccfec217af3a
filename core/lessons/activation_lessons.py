"""The Activations page's maths: curves, read-offs, where the slope is small and why, its peak.

Everything comes from the ACTIVATIONS registry (its f and hand-written f'), evaluated in
float64, so the page shows the same functions the labs train with. The lab's rule: a unit is
slow where |f'| is under 10% of its maximum. What that region *is* depends on the function:
dead (f' = 0 exactly, ReLU), leaky (a small constant slope, leaky ReLU), a turning point (f' = 0
at one point where f has its minimum, GELU) or saturated (f flattens out, f' shrinks toward 0
without reaching it). Each is found from f' itself, not typed in; core/lessons/activation_words.py says
them in words. Pure: no streamlit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from core.base.i18n import N_, _
from core.contract.activations import ACTIVATIONS, SATURATION
from core.contract.config import MLPConfig, config_field, to_params
from core.lessons.depth_lessons import MAX_DEPTH

X_RANGE = 6.0  # the page plots and reads off x in [-6, 6]
WINDOW = 8.0  # regions are searched a little wider, so a region crossing +-6 is not cut there
GRID_STEP = 1e-3  # first pass on a grid, then each region edge is refined by bisection


@dataclass(frozen=True)
class ActivationsView:
    """What the Activations page shows: one activation, another to compare, x, z and depth L."""

    activation: str = config_field(
        "sigmoid", N_("Activation"), N_("the function to study"), choices=tuple(ACTIVATIONS)
    )
    compare: str = config_field(
        "none",
        N_("Compare with"),
        N_("a second activation, drawn dashed on both charts"),
        choices=("none", *ACTIVATIONS),
    )
    x: float = config_field(
        1.0,
        N_("Read off at x"),
        N_("where to read f(x) and f'(x) off both curves"),
        min=-X_RANGE,
        max=X_RANGE,
    )
    z: float = config_field(
        0.0,
        N_("Pre-activation z"),
        N_("where every layer's unit sits in the depth chart"),
        min=-X_RANGE,
        max=X_RANGE,
    )
    depth: int = config_field(
        10, N_("Layers L"), N_("how many layers the gradient flows back through"), min=1, max=MAX_DEPTH
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
    """The slope below which a unit counts as slow: 10% of the best case."""
    return SATURATION * ACTIVATIONS[name].max_grad


@dataclass(frozen=True)
class Region:
    """An interval of x where |f'(x)| < threshold; +-inf where it runs past the search window."""

    lo: float
    hi: float
    # "dead": f' = 0 throughout. "leaky": one small non-zero slope throughout. "turning": f' changes
    # sign inside (f has a minimum or maximum at `zero`). "saturated": f flattens toward +-infinity,
    # f' shrinks toward 0 without reaching it. "slow": any other stretch of small slope.
    kind: str
    zero: float | None = None  # turning: where f' = 0
    slope: float | None = None  # leaky: the constant slope
    minimum: bool = True  # turning: f' goes from - to + (a minimum of f), else a maximum


def is_flat(name: str, x: np.ndarray) -> np.ndarray:
    """True where |f'(x)| < threshold: a unit there passes back less than a tenth of its best."""
    # The magnitude is what matters for the gradient: GELU's slope dips to -0.129 near x = -sqrt(2),
    # passing back 11% of the best case with its sign flipped, so that stretch is not slow.
    return np.abs(_df(name, x)) < threshold(name)


def _bisect(test, inside: float, outside: float) -> float:
    """Bisect between a point where test() holds and one where it does not, to float precision."""
    for _step in range(80):
        mid = 0.5 * (inside + outside)
        if mid in (inside, outside):
            break
        if test(mid):
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)


def _edge(name: str, inside: float, outside: float) -> float:
    return _bisect(lambda v: bool(is_flat(name, np.array([v]))[0]), inside, outside)


def _kind(name: str, x: np.ndarray, lo: float, hi: float) -> Region:
    """Name what a stretch of small slope is, from f' on its grid points x."""
    d = _df(name, x)
    if not np.any(d):
        return Region(lo, hi, "dead")
    if np.all(d == d[0]):
        return Region(lo, hi, "leaky", slope=float(d[0]))
    flips = np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)[0]
    if len(flips):
        k = int(flips[0])
        left = float(np.sign(d[k]))
        zero = _bisect(lambda v: float(np.sign(_df(name, v))) == left, float(x[k]), float(x[k + 1]))
        return Region(lo, hi, "turning", zero=zero, minimum=left < 0)
    return Region(lo, hi, "saturated" if math.isinf(lo) or math.isinf(hi) else "slow")


def slow_regions(name: str, window: float = WINDOW) -> list[Region]:
    """Where the slope is below 10% of its maximum, and what each stretch is, computed from f'
    (a grid, then each edge and any zero of f' refined by bisection)."""
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
        regions.append(_kind(name, x[i : j + 1], lo, hi))
        i = j + 1
    return regions


def region_at(regions: list[Region], x: float) -> Region | None:
    """The region holding x, if any."""
    return next((r for r in regions if r.lo <= x <= r.hi), None)


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
    "sigmoid": dict(where=N_("at x = 0, where sigma(0) = 1/2"), x=0.0, lo=0.0, hi=0.0),
    "tanh": dict(where=N_("at x = 0, where tanh'(0) = 1 - tanh^2(0) = 1"), x=0.0, lo=0.0, hi=0.0),
    "relu": dict(where=N_("for every x > 0"), lo=0.0),
    "leaky_relu": dict(where=N_("for every x > 0"), lo=0.0),
    "elu": dict(where=N_("for every x ≥ 0 (e^0 = 1, so the two pieces meet with the same slope)"), lo=0.0),
    # GELU'' = 2 phi(x) - x^2 phi(x) = phi(x) (2 - x^2) = 0 at x = sqrt(2): a bump above 1.
    "gelu": dict(
        where=N_("at x = sqrt(2) = 1.414, where GELU'' = phi(x)(2 - x^2) = 0"), x=SQRT2, lo=SQRT2, hi=SQRT2
    ),
    "softplus": dict(
        where=N_("only approached as x grows: f' = sigma(x) < 1 for every finite x"),
        lo=math.inf,
        attained=False,
    ),
    "linear": dict(where=N_("for every x")),
}


def peak(name: str) -> Peak:
    """The derivative's maximum (the registry's max_grad) and where it is attained."""
    value = ACTIVATIONS[name].max_grad
    if name in PEAKS:
        known = PEAKS[name]
        where = known["where"]  # marked with N_() above; a literal inside _() would be extracted too
        return Peak(value, **{**known, "where": _(where)})
    # An activation added to the registry without a hand-worked entry: locate it on a grid.
    x = np.linspace(-WINDOW, WINDOW, int(2 * WINDOW / GRID_STEP) + 1)
    at = float(x[np.argmax(_df(name, x))])
    return Peak(value, _("near x = {at:.3g} (found on a grid)").format(at=at), x=at, lo=at, hi=at)


def percent(share: float) -> str:
    """A share as a percentage that stays readable when tiny: 18%, 0.13%, 0%."""
    return f"{share:.0%}" if share >= 0.01 or share == 0 else f"{share * 100:.2g}%"


def mlp_params(name: str, depth: int = 10) -> dict[str, str]:
    """URL params of the MLP lab training this activation at this depth (the rest default)."""
    return to_params(MLPConfig(depth=depth, activation=name))
