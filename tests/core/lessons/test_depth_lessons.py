"""f'(z)^L through depth against an autograd chain of L layers, and its reading in words."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.activations import ACTIVATIONS
from core.lessons import depth_lessons

NAMES = sorted(ACTIVATIONS)


def chain_gradient(f, z: float, depth: int) -> float:
    """d u_L / d u_0 through L layers whose units all sit at pre-activation z.

    Each layer computes u_l = f(z + (u_{l-1} - u_{l-1}.detach())): the value fed to f is exactly z,
    while the gradient still flows through u_{l-1}, so backprop multiplies one f'(z) per layer.
    """
    u0 = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    u = u0
    for _ in range(depth):
        u = f(z + (u - u.detach()))
    (g,) = torch.autograd.grad(u, u0)
    return float(g)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES), z=st.floats(-6, 6, allow_nan=False))
def test_depth_products_equal_an_autograd_chain(name, z):
    products = depth_lessons.depth_products(name, z)
    assert products.shape == (depth_lessons.MAX_DEPTH,)
    f = ACTIVATIONS[name].f
    for depth in (1, 2, 7, 30):
        want = chain_gradient(f, z, depth)
        assert products[depth - 1] == pytest.approx(want, rel=1e-9, abs=1e-300)


def _number_after(text: str, marker: str) -> float:
    m = re.search(re.escape(marker) + r"\s*([-+0-9.e]+)", text)
    assert m, f"{marker!r} not in {text!r}"
    return float(m.group(1))


@pytest.mark.parametrize(
    ("name", "z", "depth"),
    [("sigmoid", 0.0, 10), ("tanh", 1.5, 10), ("softplus", 1.5, 10), ("gelu", 1.5, 20), ("elu", 2.0, 5)],
)
def test_depth_reading_says_what_autograd_says(name, z, depth):
    reading = depth_lessons.depth_reading(name, z, depth)
    want = chain_gradient(ACTIVATIONS[name].f, z, depth)
    slope = chain_gradient(ACTIVATIONS[name].f, z, 1)
    assert reading.product == pytest.approx(want, rel=1e-9)
    assert f"After {depth} {name} layers at z = {z:g}" in reading.text
    assert _number_after(reading.text, f"^{depth} =") == pytest.approx(want, rel=0.06)  # printed to 2 digits
    assert float(reading.text.split("the gradient is ")[1].split("^")[0]) == pytest.approx(slope, rel=1e-3)
    expected = (
        "vanishing"
        if abs(want) < depth_lessons.VANISHED
        else "steady"
        if abs(slope) == 1
        else "shrinking"
        if abs(slope) < 1
        else "growing"
    )
    assert reading.verdict == expected


def test_depth_reading_the_textbook_case():
    # sigma'(0) = 1/4 exactly, so ten sigmoid layers keep 4^-10 of the gradient.
    text = depth_lessons.depth_reading("sigmoid", 0.0, 10).text
    assert f"0.25^10 = {0.25**10:.2g} of what it was" in text
    assert "below a millionth after 10 layers" in text  # 4^-10 < 1e-6 < 4^-9


def test_depth_reading_of_a_dead_unit_and_a_flipping_sign():
    dead = depth_lessons.depth_reading("relu", -1.0, 10)
    assert dead.verdict == "dead" and dead.product == 0 and "no gradient" in dead.text
    z = -math.sqrt(2)  # GELU's slope is negative here
    flip = depth_lessons.depth_reading("gelu", z, 3)
    assert flip.slope < 0 and flip.product < 0 and "sign flips" in flip.text


@pytest.mark.parametrize("s", [0.0, 0.01, 0.25, 0.5, 0.8176, 0.999, 1.0, 1.13, -0.1289])
def test_layers_until_a_millionth_by_brute_force(s):
    got = depth_lessons.layers_until(s)
    if abs(s) >= 1:
        assert got is None
        return
    brute = next(n for n in range(1, 100_000) if abs(s) ** n < depth_lessons.MILLIONTH)
    assert got == brute
