"""One neuron against torch modules; the perceptron rule against a direct transcription, its
convergence bound on separable data (Novikoff) and its failure on XOR."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.activations import ACTIVATIONS
from core.lessons.neuron import (
    PERCEPTRON_SETS,
    PerceptronState,
    neuron_forward,
    perceptron_data,
    perceptron_epoch,
    perceptron_run,
    predict,
)

small = st.floats(-3, 3, allow_nan=False)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(2, 5),
    data=st.data(),
    activation=st.sampled_from(list(ACTIVATIONS)),
)
def test_neuron_matches_linear_plus_activation_module(n, data, activation):
    x = data.draw(st.lists(small, min_size=n, max_size=n))
    w = data.draw(st.lists(small, min_size=n, max_size=n))
    b = data.draw(small)
    out = neuron_forward(x, w, b, activation)
    layer = torch.nn.Linear(n, 1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([w], dtype=torch.float64))
        layer.bias.fill_(b)
    xt = torch.tensor(x, dtype=torch.float64)
    z = layer(xt)
    a = ACTIVATIONS[activation].module()(z)
    assert math.isclose(out.z, z.item(), abs_tol=1e-9)
    assert math.isclose(out.a, a.item(), abs_tol=1e-9)
    zg = torch.tensor(out.z, dtype=torch.float64, requires_grad=True)
    ACTIVATIONS[activation].module()(zg).backward()
    assert math.isclose(out.slope, zg.grad.item(), abs_tol=1e-9)


def test_neuron_worked_example():
    out = neuron_forward([1.0, 0.3], [0.5, -1.2], 0.1, "linear")
    assert out.z == pytest.approx(0.5 * 1.0 - 1.2 * 0.3 + 0.1)


def test_gates_are_truth_tables():
    for name, rule in (
        ("AND", lambda a, b: a and b),
        ("OR", lambda a, b: a or b),
        ("XOR", lambda a, b: a != b),
    ):
        x, y = perceptron_data(name)
        assert [int(rule(bool(a), bool(b))) for a, b in x] == y.tolist()


@pytest.mark.parametrize("seed", range(5))
def test_cloud_is_seeded_two_class_and_separable(seed):
    x, y = perceptron_data("cloud", seed)
    x2, y2 = perceptron_data("cloud", seed)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert set(y.tolist()) == {0, 1} and x.shape == (40, 2)
    assert not np.array_equal(x, perceptron_data("cloud", seed + 1)[0])
    # Separable: least squares on +-1 labels need not separate, but the perceptron must (below).
    state = perceptron_run(PerceptronState(), x, y, lr=0.5, max_epochs=1000)
    assert state.converged and np.array_equal(predict(state.w, state.b, x), y)


def test_epoch_follows_the_rule_point_by_point():
    x, y = perceptron_data("cloud", 2)
    w, b, lr = np.array([0.3, -0.8]), 0.2, 0.25
    state = perceptron_epoch(PerceptronState((0.3, -0.8), 0.2), x, y, lr)
    mistakes = 0
    for xi, yi in zip(x, y):  # a direct transcription of w <- w + lr (y - ŷ) x
        y_hat = 1 if w[0] * xi[0] + w[1] * xi[1] + b >= 0 else 0
        if y_hat != yi:
            mistakes += 1
            w = w + lr * (yi - y_hat) * xi
            b = b + lr * (yi - y_hat)
    assert np.allclose(state.w, w) and math.isclose(state.b, b)
    assert state.errors == (mistakes,) and len(state.log) == len(x)


def _novikoff_bound(x: np.ndarray, y: np.ndarray, w_star: np.ndarray, b_star: float) -> float:
    """(R / gamma)^2 in the space (x, 1) where the bias is a weight: a bound on the mistakes
    from w = 0, b = 0, whatever the learning rate."""
    xa = np.hstack([x, np.ones((len(x), 1))])
    u = np.append(w_star, b_star)
    gamma = np.min((2 * y - 1) * (xa @ u)) / np.linalg.norm(u)
    assert gamma > 0, "the given line must separate the data"
    return (np.linalg.norm(xa, axis=1).max() / gamma) ** 2


@pytest.mark.parametrize(
    "name, w_star, b_star", [("AND", (1.0, 1.0), -1.5), ("OR", (1.0, 1.0), -0.5), ("cloud", None, None)]
)
@pytest.mark.parametrize("lr", [0.1, 1.0])
def test_converges_on_separable_data_within_novikoff_bound(name, w_star, b_star, lr):
    x, y = perceptron_data(name, seed=0)
    if w_star is None:  # any separator gives a valid bound: take the one the perceptron finds
        found = perceptron_run(PerceptronState((0.0, 0.0), 0.0), x, y, 1.0, max_epochs=1000)
        w_star, b_star = found.w, found.b
    bound = _novikoff_bound(x, y, np.array(w_star), b_star)
    state = perceptron_run(PerceptronState((0.0, 0.0), 0.0), x, y, lr, max_epochs=1000)
    assert state.converged
    assert sum(state.errors) <= bound
    assert np.array_equal(predict(state.w, state.b, x), y)


def test_page_start_converges_on_and_or_within_a_few_epochs():
    for name in ("AND", "OR"):
        x, y = perceptron_data(name)
        state = perceptron_run(PerceptronState(), x, y, lr=0.5, max_epochs=100)
        assert state.converged and state.epochs <= 20


def test_no_line_separates_xor_so_the_perceptron_never_converges():
    x, y = perceptron_data("XOR")
    # Independent check: no line on a fine grid of directions and offsets gets all four right.
    angles = np.linspace(0, 2 * np.pi, 721)
    normals = np.stack([np.cos(angles), np.sin(angles)], 1)  # (A, 2)
    offsets = np.linspace(-2, 2, 401)  # (C,)
    right = ((x @ normals.T)[:, :, None] + offsets >= 0) == y[:, None, None].astype(bool)  # (4, A, C)
    assert right.sum(axis=0).max() == 3  # the best any line does is 3 of the 4 points
    state = perceptron_run(PerceptronState(), x, y, lr=0.5, max_epochs=500)
    assert not state.converged and state.epochs == 500
    assert min(state.errors) >= 1


def test_run_stops_at_convergence_and_respects_the_cap():
    x, y = perceptron_data("OR")
    done = perceptron_run(PerceptronState(), x, y, lr=0.5, max_epochs=100)
    assert done.errors[-1] == 0 and all(e > 0 for e in done.errors[:-1])
    assert perceptron_run(done, x, y, 0.5, max_epochs=100) == done  # nothing left to do
    xx, yx = perceptron_data("XOR")
    assert perceptron_run(PerceptronState(), xx, yx, 0.5, max_epochs=7).epochs == 7


def test_unknown_data_set():
    assert PERCEPTRON_SETS == ("AND", "OR", "XOR", "cloud")
    with pytest.raises(KeyError):
        perceptron_data("NAND")
