"""The Activations page's maths against independent oracles: torch autograd on dense grids and
closed-form region edges."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from core.contract.activations import ACTIVATIONS, SATURATION, Activation
from core.contract.config import MLPConfig, field_specs, from_params, to_params
from core.lessons import activation_lessons as lessons

NAMES = sorted(ACTIVATIONS)


def autograd_df(f, x: torch.Tensor) -> torch.Tensor:
    """f'(x) by autograd: the oracle for every slope on this page."""
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g


# A dense grid over the search window that avoids 0 and the module's own grid points.
GRID = torch.arange(-8 * 2048, 8 * 2048 + 1, dtype=torch.float64) / 2048 + 1 / 3 / 2048


@pytest.mark.parametrize("name", NAMES)
def test_regions_match_a_dense_autograd_grid(name):
    act = ACTIVATIONS[name]
    regions = lessons.slow_regions(name)
    oracle = autograd_df(act.f, GRID).abs() < SATURATION * act.max_grad
    inside = torch.zeros_like(oracle)
    for r in regions:
        inside |= (GRID >= r.lo) & (GRID <= r.hi)
    edges = torch.tensor([e for r in regions for e in (r.lo, r.hi) if math.isfinite(e)], dtype=torch.float64)
    near_edge = (
        (GRID[:, None] - edges[None, :]).abs().min(1).values < 1e-9
        if len(edges)
        else torch.zeros_like(oracle)
    )
    mismatch = (inside != oracle) & ~near_edge
    assert not mismatch.any(), f"{name}: disagrees with autograd at x = {GRID[mismatch][:5].tolist()}"
    assert oracle.any() == bool(regions)
    for r in regions:
        assert r.lo < r.hi
        g = autograd_df(act.f, GRID[(GRID > r.lo) & (GRID < r.hi)])
        assert r.kind == _kind_by_autograd(g, r), (name, r)


def _kind_by_autograd(g: torch.Tensor, r) -> str:
    """What a stretch of small slope is, from autograd's slopes inside it."""
    if bool((g == 0).all()):
        return "dead"
    if bool((g == g[0]).all()):
        return "leaky"  # one small constant slope: never zero, never shrinking
    if bool((torch.sign(g[:-1]) * torch.sign(g[1:]) < 0).any()):
        return "turning"  # f' changes sign: f has a minimum or maximum inside
    return "saturated" if math.isinf(r.lo) or math.isinf(r.hi) else "slow"


def test_what_each_region_is():
    kinds = {name: [r.kind for r in lessons.slow_regions(name)] for name in NAMES}
    assert kinds == {
        "relu": ["dead"],
        "leaky_relu": ["leaky"],  # slope 0.01 everywhere left of 0: not saturated, not dead
        "sigmoid": ["saturated", "saturated"],
        "tanh": ["saturated", "saturated"],
        "elu": ["saturated"],
        "softplus": ["saturated"],
        "gelu": ["saturated", "turning"],  # its far-left tail flattens; its dip is a turning point
        "linear": [],
    }
    (leak,) = lessons.slow_regions("leaky_relu")
    left = torch.linspace(-8, -1e-9, 10_001, dtype=torch.float64)
    assert leak.slope == 0.01 and bool((autograd_df(ACTIVATIONS["leaky_relu"].f, left) == 0.01).all())


def test_gelu_turning_point_is_where_autograd_slope_is_zero_and_f_is_least():
    turning = next(r for r in lessons.slow_regions("gelu") if r.kind == "turning")
    assert turning.minimum and turning.lo < turning.zero < turning.hi
    at = torch.tensor([turning.zero], dtype=torch.float64)
    assert abs(float(autograd_df(ACTIVATIONS["gelu"].f, at))) < 1e-12
    f = torch.nn.functional.gelu(FINE_GELU)
    assert float(FINE_GELU[f.argmin()]) == pytest.approx(turning.zero, abs=1e-4)
    assert turning.zero == pytest.approx(-0.7518, abs=1e-4)
    # Either side of the single zero, the slope grows back past the 10% line within the region's edges.
    for edge in (turning.lo - 1e-6, turning.hi + 1e-6):
        g = autograd_df(ACTIVATIONS["gelu"].f, torch.tensor([edge], dtype=torch.float64))
        assert abs(float(g)) > lessons.threshold("gelu")


def test_saturated_regions_still_pass_some_gradient():
    # The 10% rule: "saturated" is small, never zero, in float64 over the plotted range.
    for name in NAMES:
        for r in lessons.slow_regions(name):
            if r.kind != "saturated":
                continue
            x = GRID[(GRID > max(r.lo, -6)) & (GRID < min(r.hi, 6))]
            g = autograd_df(ACTIVATIONS[name].f, x).abs()
            assert bool((g > 0).all()) and bool((g < lessons.threshold(name)).all()), name


FINE_GELU = torch.linspace(-3, 0, 300_001, dtype=torch.float64)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


# Where |f'| = 10% of its best, solved by hand: independent of the grid and of bisection.
CLOSED_FORM_EDGES = {
    # sigma(1 - sigma) = 0.025  =>  sigma = (1 + sqrt(1 - 4 * 0.025)) / 2
    "sigmoid": [(-math.inf, -_logit((1 + math.sqrt(0.9)) / 2)), (_logit((1 + math.sqrt(0.9)) / 2), math.inf)],
    # 1 - tanh^2 = 0.1  =>  tanh = sqrt(0.9)
    "tanh": [(-math.inf, -math.atanh(math.sqrt(0.9))), (math.atanh(math.sqrt(0.9)), math.inf)],
    "relu": [(-math.inf, 0.0)],
    "leaky_relu": [(-math.inf, 0.0)],
    "elu": [(-math.inf, math.log(0.1))],  # e^x = 0.1
    "softplus": [(-math.inf, _logit(0.1))],  # sigma(x) = 0.1
    "linear": [],
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORM_EDGES))
def test_region_edges_match_closed_form(name):
    got = [(r.lo, r.hi) for r in lessons.slow_regions(name)]
    want = CLOSED_FORM_EDGES[name]
    assert len(got) == len(want)
    for (glo, ghi), (wlo, whi) in zip(got, want):
        assert glo == pytest.approx(wlo, abs=1e-9) and ghi == pytest.approx(whi, abs=1e-9)


def test_gelu_negative_dip_is_not_flat():
    # GELU' reaches -0.129 at x = -sqrt(2): by magnitude that passes back more than 10%.
    dip = -math.sqrt(2)
    assert lessons.region_at(lessons.slow_regions("gelu"), dip) is None
    assert abs(float(autograd_df(ACTIVATIONS["gelu"].f, torch.tensor([dip], dtype=torch.float64)))) > (
        lessons.threshold("gelu")
    )


FINE = torch.linspace(-10, 10, 400_001, dtype=torch.float64)  # step 5e-5, contains 0 and +-sqrt(2) closely


@pytest.mark.parametrize("name", NAMES)
def test_peak_against_autograd(name):
    act = ACTIVATIONS[name]
    peak = lessons.peak(name)
    assert peak.value == act.max_grad
    g = autograd_df(act.f, FINE)
    assert float(g.max()) == pytest.approx(peak.value, rel=1e-3)
    if not peak.attained:  # only approached: below the bound everywhere, within 1e-12 far out
        assert bool((g < peak.value).all())
        far = autograd_df(act.f, torch.tensor([40.0], dtype=torch.float64))
        assert float(far) == pytest.approx(peak.value, abs=1e-12)
        return
    best = float(g.max())
    if peak.x is not None:  # a single point: the argmax
        assert float(FINE[g.argmax()]) == pytest.approx(peak.x, abs=1e-4)
        assert peak.lo == peak.hi == peak.x
    else:  # an interval: the maximum holds strictly inside it and nowhere outside
        inner = (FINE > peak.lo) & (FINE < peak.hi)
        outer = (FINE < peak.lo) | (FINE > peak.hi)
        assert bool((g[inner] == best).all())
        assert bool((g[outer] < best).all())


def test_every_activation_has_a_hand_worked_peak():
    assert set(ACTIVATIONS) <= set(lessons.PEAKS)
    assert set(ACTIVATIONS) <= set(lessons.DERIVATIVE_LATEX)


def test_peak_fallback_finds_an_unknown_activation(monkeypatch):
    # SiLU x sigma(x): not in PEAKS, so the page must locate its peak itself.
    silu = Activation(
        "silu",
        torch.nn.SiLU,
        torch.nn.functional.silu,
        lambda x: torch.sigmoid(x) * (1 + x * (1 - torch.sigmoid(x))),
        "rectifier",
        1.0998,
        1.0,
        r"x\sigma(x)",
    )
    monkeypatch.setitem(ACTIVATIONS, "silu", silu)
    peak = lessons.peak("silu")
    g = autograd_df(silu.f, FINE)
    assert peak.x == pytest.approx(float(FINE[g.argmax()]), abs=2e-3)
    assert "grid" in peak.where


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("x", [-5.5, -1.25, 0.3, 2.0, 4.75])
def test_read_off_and_curves_match_autograd(name, x):
    act = ACTIVATIONS[name]
    t = torch.tensor([x], dtype=torch.float64)
    fx, dfx = lessons.read_off(name, x)
    assert fx == pytest.approx(float(act.f(t)), abs=1e-12)
    assert dfx == pytest.approx(float(autograd_df(act.f, t)), abs=1e-9)
    c = lessons.curves(name)
    assert c.x[0] == -lessons.X_RANGE and c.x[-1] == lessons.X_RANGE and len(c.x) == len(c.f) == len(c.df)
    i = int(np.argmin(np.abs(c.x - x)))
    assert c.df[i] == pytest.approx(float(autograd_df(act.f, torch.tensor([c.x[i]]))), abs=1e-9)


def test_percent_stays_readable():
    for share in (0.0, 0.0013, 0.07065, 0.18, 1.0):
        text = lessons.percent(share)
        assert text.endswith("%")
        assert float(text[:-1]) / 100 == pytest.approx(share, rel=0.05, abs=0.005 if share >= 0.01 else 1e-5)


def test_view_fields_are_a_url_codec():
    specs = field_specs(lessons.ActivationsView)
    assert list(specs) == ["activation", "compare", "x", "z", "depth"]
    assert set(specs["activation"]["choices"]) == set(ACTIVATIONS)
    assert set(specs["compare"]["choices"]) == {"none", *ACTIVATIONS}
    view, notices = from_params(lessons.ActivationsView, {"activation": "tanh", "x": "1.5"})
    assert notices == [] and view.activation == "tanh" and view.x == 1.5
    assert from_params(lessons.ActivationsView, to_params(view))[0] == view
    bad, notices = from_params(lessons.ActivationsView, {"x": "99", "depth": "abc", "activation": "evil"})
    assert bad == lessons.ActivationsView() and len(notices) == 3


@pytest.mark.parametrize("name", NAMES)
def test_mlp_links_train_each_activation_at_depth_10(name):
    cfg, notices = from_params(MLPConfig, lessons.mlp_params(name))
    assert notices == []
    assert cfg == MLPConfig(depth=10, activation=name)
