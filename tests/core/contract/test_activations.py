"""ACTIVATIONS: hand-written derivatives, modules, max_grad and gains against torch."""

from __future__ import annotations

import math

import pytest
import torch

from core.contract.activations import ACTIVATIONS, SATURATION

NAMES = sorted(ACTIVATIONS)
KINKED = {"relu", "leaky_relu", "elu"}  # not differentiable at exactly 0

# Exact grid -6.00, -5.99, ..., 6.00 (contains 0.0 exactly), float64.
GRID = torch.arange(-600, 601, dtype=torch.float64) / 100


def autograd_df(f, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g


def test_registry_is_consistent():
    assert NAMES, "no activations registered"
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert act.family in {"saturating", "rectifier", "linear"}
        assert act.max_grad > 0 and act.gain > 0
        assert isinstance(act.formula, str) and act.formula
    assert 0 < SATURATION < 1


@pytest.mark.parametrize("name", NAMES)
def test_df_matches_autograd(name):
    act = ACTIVATIONS[name]
    x = GRID[GRID != 0] if name in KINKED else GRID
    assert len(x) == (1200 if name in KINKED else 1201)
    expected = autograd_df(act.f, x)
    got = act.df(x)
    assert got.dtype == torch.float64 and got.shape == x.shape
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_module_output_equals_f(name):
    act = ACTIVATIONS[name]
    module = act.module()
    assert isinstance(module, torch.nn.Module)
    torch.testing.assert_close(module(GRID), act.f(GRID), atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_max_grad_is_max_of_df(name):
    act = ACTIVATIONS[name]
    fine = torch.linspace(-10, 10, 200_001, dtype=torch.float64)
    best = act.df(fine).max().item()
    assert act.max_grad == pytest.approx(best, rel=1e-3)


@pytest.mark.parametrize(
    ("name", "torch_args"),
    [
        ("relu", ("relu",)),
        ("sigmoid", ("sigmoid",)),
        ("tanh", ("tanh",)),
        ("leaky_relu", ("leaky_relu", 0.01)),
        ("linear", ("linear",)),
    ],
)
def test_gain_matches_torch(name, torch_args):
    assert ACTIVATIONS[name].gain == pytest.approx(torch.nn.init.calculate_gain(*torch_args), rel=1e-12)


def test_sigmoid_gain_is_one():
    assert ACTIVATIONS["sigmoid"].gain == 1.0
    assert math.isclose(torch.nn.init.calculate_gain("sigmoid"), 1.0)
