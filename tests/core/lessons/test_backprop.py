"""Backprop by hand against torch autograd: every forward value and every gradient of the 2-2-1
net, for each hidden activation and loss, on random weights; the SGD step; the depth product."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.activations import ACTIVATIONS
from core.lessons.backprop import (
    HIDDEN,
    LOSSES,
    TinyNet,
    backward,
    depth_product,
    forward,
    init_net,
    sgd_step,
)

TOL = 1e-6
# Weights in [-1.5, 1.5] and inputs in [-1, 1] keep |z2| < 16, so ŷ(1 - ŷ) stays far above
# the 1e-12 floor torch's cross-entropy backward clamps to.
weight = st.floats(-1.5, 1.5, allow_nan=False)
nets = st.builds(
    TinyNet,
    st.tuples(st.tuples(weight, weight), st.tuples(weight, weight)),
    st.tuples(weight, weight),
    st.tuples(weight, weight),
    weight,
)
points = st.tuples(st.floats(-1, 1), st.floats(-1, 1))


def autograd(net: TinyNet, x, y: float, hidden: str, loss: str) -> tuple[dict, dict[str, float]]:
    """The same net built from torch modules in float64; autograd gives the gradients."""
    t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)
    w1, b1, w2, b2 = t(net.w1), t(net.b1), t(net.w2), t(net.b2)
    z1 = w1 @ torch.tensor(x, dtype=torch.float64) + b1
    a1 = ACTIVATIONS[hidden].module()(z1)
    z2 = w2 @ a1 + b2
    y_hat = torch.sigmoid(z2)
    target = torch.tensor(y, dtype=torch.float64)
    if loss == "squared":
        value = 0.5 * torch.nn.functional.mse_loss(y_hat, target)
    else:
        value = torch.nn.functional.binary_cross_entropy(y_hat, target)
    value.backward()
    values = {
        "z1": z1.tolist(),
        "a1": a1.tolist(),
        "z2": z2.item(),
        "y_hat": y_hat.item(),
        "loss": value.item(),
    }
    grads = {f"w1_{j + 1}{k + 1}": w1.grad[j, k].item() for j in range(2) for k in range(2)}
    grads |= {f"b1_{j + 1}": b1.grad[j].item() for j in range(2)}
    grads |= {f"w2_{j + 1}": w2.grad[j].item() for j in range(2)} | {"b2": b2.grad.item()}
    return values, grads


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("hidden", list(HIDDEN))
@settings(max_examples=60, deadline=None)
@given(net=nets, x=points, y=st.sampled_from([0.0, 1.0]))
def test_hand_gradients_match_autograd(hidden, loss, net, x, y):
    fw, _, grads = backward(net, x, y, hidden, loss)
    values, expected = autograd(net, x, y, hidden, loss)
    for name in ("z2", "y_hat", "loss"):
        assert close(getattr(fw, name), values[name]), name
    assert all(close(a, b) for a, b in zip(fw.z1 + fw.a1, values["z1"] + values["a1"]))
    assert set(grads) == set(expected) == set(net.flat())
    for name, chain in grads.items():
        assert close(chain.value, expected[name]), (name, chain.value, expected[name])
        # The value shown is the product of the factors shown.
        assert close(chain.value, math.prod(v for _, v in chain.factors)), name
        assert len(chain.factors) == 3


@pytest.mark.parametrize("hidden", list(HIDDEN))
def test_backward_signals_are_the_local_slopes(hidden):
    net, x, y = init_net(3), (0.7, -0.4), 1.0
    fw, signals, _ = backward(net, x, y, hidden, "squared")
    by_symbol = {s.symbol: s.value for s in signals}
    assert close(by_symbol[r"\frac{\partial L}{\partial \hat y}"], fw.y_hat - y)
    assert close(by_symbol[r"\frac{\partial \hat y}{\partial z_2}"], fw.y_hat * (1 - fw.y_hat))
    slope = ACTIVATIONS[hidden].df(torch.tensor(fw.z1, dtype=torch.float64)).tolist()
    assert close(by_symbol[r"\frac{\partial a_{1,1}}{\partial z_{1,1}}"], slope[0])
    assert close(by_symbol[r"\frac{\partial a_{1,2}}{\partial z_{1,2}}"], slope[1])


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("hidden", list(HIDDEN))
def test_sgd_step_matches_torch_sgd_and_lowers_the_loss(hidden, loss):
    net, x, y, lr = init_net(11), (0.5, -1.0), 1.0, 0.1
    _, _, grads = backward(net, x, y, hidden, loss)
    stepped = sgd_step(net, grads, lr)
    _, expected = autograd(net, x, y, hidden, loss)
    for name, value in stepped.flat().items():
        assert close(value, net.flat()[name] - lr * expected[name]), name
    assert forward(stepped, x, y, hidden, loss).loss < forward(net, x, y, hidden, loss).loss


@settings(max_examples=40, deadline=None)
@given(net=nets, x=points, y=st.sampled_from([0.0, 1.0]), hidden=st.sampled_from(list(HIDDEN)))
def test_a_small_step_never_raises_the_loss(net, x, y, hidden):
    for loss in LOSSES:
        before = forward(net, x, y, hidden, loss).loss
        _, _, grads = backward(net, x, y, hidden, loss)
        # A step of lr 1e-3 changes the loss by -lr |g|^2 + O(lr^2): never up by more than rounding.
        after = forward(sgd_step(net, grads, 1e-3), x, y, hidden, loss).loss
        assert after <= before + 1e-12


def test_flat_round_trip_and_seeded_init():
    net = init_net(5)
    assert TinyNet.from_flat(net.flat()) == net
    assert init_net(5) == net and init_net(6) != net
    assert all(-1 <= v <= 1 and round(v, 2) == v for v in net.flat().values())


def test_cross_entropy_stays_finite_when_saturated():
    net = TinyNet(((10.0, 10.0), (10.0, 10.0)), (0.0, 0.0), (10.0, 10.0), 0.0)
    fw = forward(net, (1.0, 1.0), 0.0, "relu", "bce")  # z2 = 400: ŷ rounds to 1
    assert math.isclose(fw.loss, 400.0)  # -log(1 - ŷ) = softplus(z2) ~ z2


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu"])
@pytest.mark.parametrize("z", [-2.0, 0.5, 1.5])
def test_depth_product_matches_autograd_through_a_chain(activation, z):
    """Oracle: h_k = f(h_{k-1} + c_k) with c_k chosen so every pre-activation is z (weights 1);
    autograd's dh_L/dz_1 is the product the page plots."""
    depth = 8
    products = depth_product(activation, z, depth)
    f = ACTIVATIONS[activation].module()
    for L in range(1, depth + 1):
        z1 = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        h = f(z1)
        for _ in range(L - 1):
            h = f(h + (z - h.detach()))  # pre-activation value z, slope 1 w.r.t. h
        h.backward()
        assert close(products[L - 1], z1.grad.item()), L


def test_sigmoid_depth_product_is_at_most_the_best_case():
    for z in (-3.0, -0.5, 0.0, 0.5, 3.0):
        for L, p in enumerate(depth_product("sigmoid", z, 20), start=1):
            assert p <= 0.25**L * (1 + 1e-12)
    assert depth_product("sigmoid", 0.0, 10)[-1] == pytest.approx(0.25**10)
