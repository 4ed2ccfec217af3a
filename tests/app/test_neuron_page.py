"""The Neuron page in AppTest: it launches, z follows the inputs, the perceptron steps and fails
on XOR with a link to the MLP lab, backprop steps lower the loss and show core's gradients.

The page is reached through the home page (switch_page), as in the real multipage app: its
st.page_link to the MLP lab resolves relative to the entrypoint, dashboard.py.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.contract.config import MLPConfig, from_params
from core.contract.presets import PRESETS
from core.lessons import backprop, neuron, step_lesson
from ui.lessons.neuron_charts import plain

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(HOME, default_timeout=90)
    app.switch_page("pages/1_Neuron.py").run()
    assert not app.exception
    return app


def array(v) -> np.ndarray:
    """A plotly array from the figure JSON: a plain list, or {'dtype', 'bdata'} base64."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v, dtype=float)


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label))


def latex(at: AppTest) -> str:
    return " ".join(e.value for e in at.latex)


def test_launches_with_the_worked_example(at):
    assert at.title[0].value == "From one neuron to backpropagation"
    assert [h.value for h in at.header][:5] == [
        "1. One neuron",
        "2. The perceptron learns a line",
        "3. Backpropagation, worked through",
        "4. Why backpropagation needs a slope",
        "5. Why depth hurts",
    ]
    # Default: z = 0.5·1 + (-1.2)·0.3 + 0.1 = 0.24, a = sigmoid(0.24).
    assert metric(at, "weighted sum z") == pytest.approx(0.24)
    assert metric(at, "output a = f(z)") == pytest.approx(1 / (1 + math.exp(-0.24)), abs=1e-4)
    assert r"0.5\cdot1 + (-1.2)\cdot0.3 + 0.1 = 0.24" in latex(at)
    # neuron, perceptron points, tiny net, loss per step, step vs sigmoid, depth
    assert len(at.get("plotly_chart")) == 6
    assert len(at.expander) >= 4  # a "Show code" under each section


def test_changing_inputs_changes_z(at):
    at.slider(key="neuron.n").set_value(3).run()
    x, w, b = [0.7, -1.5, 2.0], [1.3, 0.4, -0.9], -0.6
    for i in range(3):
        at.number_input(key=f"neuron.x{i}").set_value(x[i])
        at.slider(key=f"neuron.w{i}").set_value(w[i])
    at.slider(key="neuron.b").set_value(b)
    at.selectbox(key="neuron.act").set_value("tanh").run()
    assert not at.exception
    z = float(np.dot(x, w) + b)  # independent: numpy, not core
    assert metric(at, "weighted sum z") == pytest.approx(z, abs=1e-3)
    assert metric(at, "output a = f(z)") == pytest.approx(math.tanh(z), abs=1e-3)
    assert metric(at, "slope f'(z)") == pytest.approx(1 - math.tanh(z) ** 2, abs=1e-3)
    assert f"= {plain(z, 4)}" in latex(at)


def test_perceptron_step_run_and_xor(at):
    start = at.session_state["neuron.perc"]
    assert start.epochs == 0
    at.button(key="neuron.perc_step").click().run()
    after = at.session_state["neuron.perc"]
    x, y = neuron.perceptron_data("AND")
    assert after.epochs == 1 and after.w != start.w
    assert after == neuron.perceptron_epoch(start, x, y, 0.5)
    at.button(key="neuron.perc_run").click().run()
    assert at.session_state["neuron.perc"].converged
    assert any("Converged" in s.value for s in at.success)
    at.button(key="neuron.perc_reset").click().run()
    assert at.session_state["neuron.perc"].epochs == 0

    at.selectbox(key="neuron.data").set_value("XOR").run()
    at.button(key="neuron.perc_run").click().run()
    p = at.session_state["neuron.perc"]
    assert p.epochs == 100 and not p.converged and min(p.errors) >= 1
    assert any("never reaches 0" in e.value for e in at.error)
    assert any("no straight line separates them" in w.value for w in at.warning)
    (link,) = at.main.get("page_link")
    assert link.proto.page.endswith("MLP_Lab")
    cfg, notices = from_params(MLPConfig, dict(kv.split("=", 1) for kv in link.proto.query_string.split("&")))
    assert notices == [] and cfg == MLPConfig(**PRESETS["xor"].fields)


def test_backprop_step_lowers_the_loss_and_shows_core_gradients(at):
    hidden, loss, xb, yb, seed = at.session_state["neuron.bp_setup"]
    net = at.session_state["neuron.bp_net"]
    assert net == backprop.init_net(seed)
    _, _, grads = backprop.backward(net, xb, yb, hidden, loss)
    shown = latex(at)
    for name, chain in grads.items():  # every gradient, as the page's final value of its chain
        assert f"= {plain(chain.value, 4)}" in shown, name
    lr = at.slider(key="neuron.bp_lr").value
    for _ in range(3):
        at.button(key="neuron.bp_step").click().run()
    assert not at.exception
    losses = at.session_state["neuron.bp_losses"]
    assert len(losses) == 4 and losses[-1] < losses[0]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    stepped = net
    for _ in range(3):
        stepped = backprop.sgd_step(stepped, backprop.backward(stepped, xb, yb, hidden, loss)[2], lr)
    assert at.session_state["neuron.bp_net"] == stepped
    fw = backprop.forward(stepped, xb, yb, hidden, loss)
    assert f"{fw.loss:.4g}" in " ".join(c.value for c in at.caption)
    # Another problem (cross-entropy, ReLU) starts again from the seed's weights.
    at.selectbox(key="neuron.bp_loss").set_value("bce")
    at.selectbox(key="neuron.bp_hidden").set_value("relu").run()
    assert at.session_state["neuron.bp_losses"] == [backprop.forward(net, xb, yb, "relu", "bce").loss]
    fw, _, grads = backprop.backward(net, xb, yb, "relu", "bce")
    assert all(f"= {plain(c.value, 4)}" in latex(at) for c in grads.values())
    # Cross-entropy after a sigmoid: dL/dz2 collapses to ŷ - y, and the page says so with the number.
    assert any(f"= {fw.y_hat - yb:.4g} = ŷ − y" in c.value for c in at.caption)


def test_depth_chart_follows_the_pre_activation(at):
    at.slider(key="neuron.depth_z").set_value(-2.0).run()
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    traces = {t["name"]: t["y"] for t in fig["data"]}
    s = 1 / (1 + math.exp(2.0))
    assert traces["sigmoid"][9] == pytest.approx((s * (1 - s)) ** 10)
    assert traces["tanh"][9] == pytest.approx((1 - math.tanh(-2.0) ** 2) ** 10)
    assert all(v is None for v in traces["relu"])  # dead: 0, off the log axis
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert any("relu 0 (f' = 0: off the log axis)" in c.value for c in at.caption)


def text(at: AppTest) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.caption, *at.warning, *at.error, *at.success])


def test_the_lesson_says_the_boundary_stays_straight(at):
    lesson = text(at)
    assert "bends the straight line into a curve" not in lesson
    assert "not the boundary" in lesson and "never a curve" in lesson
    assert "passes nothing" not in lesson and "never recover" not in lesson


def test_worked_backprop_numbers_are_autograd_numbers(at):
    """Every gradient the page prints for its default problem, against torch autograd."""
    from tests.core.lessons.test_backprop import autograd as torch_autograd

    hidden, loss, xb, yb, seed = at.session_state["neuron.bp_setup"]
    values, expected = torch_autograd(backprop.init_net(seed), xb, yb, hidden, loss)
    shown = latex(at)
    for name, g in expected.items():
        assert f"= {plain(g, 4)}" in shown, name
    assert f"= {plain(values['loss'], 4)}" in shown and f"= {plain(values['y_hat'], 4)}" in shown


def test_depth_lesson_numbers_are_computed(at):
    z = torch.linspace(-10, 10, 200_001, dtype=torch.float64, requires_grad=True)
    (slopes,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    best = float(slopes.max())  # sigmoid's largest slope: 1/4, at z = 0
    assert best == 0.25 and float(z.detach()[slopes.argmax()]) == pytest.approx(0.0, abs=1e-4)
    assert best**10 < 1e-6 < best**9  # ten layers keep less than a millionth; nine do not
    assert f"ten layers keep {best:g}^10 = {best**10:.2g}, less than a millionth" in text(at)


def test_step_versus_sigmoid_is_trained_for_real(at):
    """The step's gradients are exactly 0 and its loss flat; the sigmoid's loss falls."""
    assert "4. Why backpropagation needs a slope" in [h.value for h in at.header]
    fig = json.loads(at.get("plotly_chart")[4].proto.spec)
    series = {(t["legendgroup"], t["xaxis"]): array(t["y"]) for t in fig["data"]}
    step_loss, step_grad = series[("step", "x")], series[("step", "x2")]
    sig_loss, sig_grad = series[("sigmoid", "x")], series[("sigmoid", "x2")]
    assert len(step_grad) == 100 and not step_grad.any() and len(set(step_loss.tolist())) == 1
    assert sig_grad.min() > 0 and sig_loss[-1] < 0.25 * sig_loss[0]
    x, y = neuron.perceptron_data("cloud", 0)
    run = step_lesson.train_gd("sigmoid", x, y, 2.0, 100, 0)
    caption = next(c.value for c in at.caption if c.value.startswith("Step: "))
    assert "Step: 100 of 100 gradients were exactly 0, the weights moved 0 " in caption
    assert f"the loss fell from {run.losses[0]:.3g} to {run.losses[-1]:.3g}" in caption
    # A hidden layer changes nothing for the step: still not one non-zero gradient.
    at.selectbox(key="neuron.step_hidden").set_value(4).run()
    assert not at.exception
    fig = json.loads(at.get("plotly_chart")[4].proto.spec)
    grads = {t["legendgroup"]: array(t["y"]) for t in fig["data"] if t["xaxis"] == "x2"}
    assert not grads["step"].any() and grads["sigmoid"].min() > 0
