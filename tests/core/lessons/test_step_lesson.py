"""Why backprop needs a slope, checked: the step's autograd gradient is exactly 0, so gradient
descent never moves a step net; the sigmoid net, same everything else, learns. Gradients are
checked against the hand-derived formula for one neuron."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.contract.activations import ACTIVATIONS
from core.lessons.neuron import perceptron_data
from core.lessons.step_lesson import STEP_OR_SIGMOID, init_params, predict, step, train_gd

Z = torch.cat(
    [torch.linspace(-5, 5, 10_001, dtype=torch.float64), torch.tensor([0.0, -0.0, 1e-300, -1e-300])]
)


def test_step_values_are_the_heaviside_step():
    torch.testing.assert_close(step(Z), torch.heaviside(Z, torch.tensor(0.5, dtype=torch.float64)))
    assert step(torch.tensor([-2.0, 3.0])).tolist() == [0.0, 1.0]


def test_step_autograd_gradient_is_exactly_zero_everywhere():
    z = Z.clone().requires_grad_()
    (g,) = torch.autograd.grad(step(z).sum(), z)
    assert torch.equal(g, torch.zeros_like(z))
    # A finite difference away from the jump agrees: 0 on both sides.
    h = 1e-6
    away = Z[Z.abs() > 1e-3]
    assert torch.equal((step(away + h) - step(away - h)) / (2 * h), torch.zeros_like(away))


def test_the_pages_claims_on_differentiability_are_autograds():
    """The Neuron page: the sigmoid's slope is sigma(1 - sigma) everywhere (never 0), and at exactly
    0 autograd takes ReLU's slope as 0 (the one point where it is not differentiable)."""
    z = Z.clone().requires_grad_()
    (g,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    s = torch.sigmoid(Z)
    torch.testing.assert_close(g, s * (1 - s))
    assert bool((g > 0).all())
    at = torch.tensor([-1e-6, 0.0, 1e-6], requires_grad=True)
    (r,) = torch.autograd.grad(torch.relu(at).sum(), at)
    assert r.tolist() == [0.0, 0.0, 1.0]


def test_the_step_is_not_one_of_the_labs_activations():
    assert "step" not in ACTIVATIONS and set(STEP_OR_SIGMOID) == {"step", "sigmoid"}


@pytest.mark.parametrize("hidden", [0, 4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_step_net_never_moves_and_sigmoid_net_learns(hidden, seed):
    x, y = perceptron_data("cloud", seed)
    st = train_gd("step", x, y, lr=2.0, epochs=100, seed=seed, hidden=hidden)
    sg = train_gd("sigmoid", x, y, lr=2.0, epochs=100, seed=seed, hidden=hidden)
    assert st.start == sg.start  # the same starting weights
    # Step: every gradient exactly 0, the weights never move, the loss stays flat.
    assert st.grad_norms == (0.0,) * 100
    assert st.end == st.start and st.moved == 0.0
    assert len(set(st.losses)) == 1 and len(st.losses) == 101
    # Its loss is the share of points on the wrong side: outputs are exactly 0 or 1.
    assert st.losses[0] == pytest.approx(1 - st.accuracy)
    # Sigmoid: non-zero gradients, the loss falls, the points end up on the right side.
    assert all(g > 0 for g in sg.grad_norms)
    assert sg.losses[-1] < 0.25 * sg.losses[0] and sg.moved > 1
    assert sg.accuracy >= 0.95


def test_sigmoid_gradient_matches_the_hand_formula():
    """dL/dw = mean(2 (ŷ - y) ŷ (1 - ŷ) x) and dL/db = mean(2 (ŷ - y) ŷ (1 - ŷ)) for one neuron."""
    x, y = perceptron_data("cloud", 3)
    w, b = init_params(3)
    s = 1 / (1 + np.exp(-(x @ w.numpy() + float(b))))
    common = 2 * (s - y) * s * (1 - s)
    grad_w, grad_b = (common[:, None] * x).mean(0), common.mean()
    run = train_gd("sigmoid", x, y, lr=0.0, epochs=1, seed=3)  # lr 0: measure, do not move
    assert run.grad_norms[0] == pytest.approx(float(np.sqrt((grad_w**2).sum() + grad_b**2)), rel=1e-12)
    assert run.losses[0] == pytest.approx(float(((s - y) ** 2).mean()), rel=1e-12)
    assert run.start == run.end


def test_predict_shapes_and_seeded_init():
    x = torch.zeros(5, 2, dtype=torch.float64)
    assert predict(init_params(0), x, "sigmoid").shape == (5,)
    assert predict(init_params(0, hidden=4), x, "step").shape == (5,)
    assert all(torch.equal(a, b) for a, b in zip(init_params(7, 4), init_params(7, 4)))
    assert not torch.equal(init_params(7)[0], init_params(8)[0])
    assert all(float(p.abs().max()) <= 1 for p in init_params(1, 4))
