"""The Neuron page in AppTest: it launches, z follows the inputs, the perceptron steps and fails
on XOR with a link to the MLP lab, backprop steps lower the loss and show core's gradients.

The page is reached through the home page (switch_page), as in the real multipage app: its
st.page_link to the MLP lab resolves relative to the entrypoint, dashboard.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import backprop, neuron
from core.config import MLPConfig, from_params
from core.presets import PRESETS
from ui.neuron_charts import plain

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(HOME, default_timeout=90)
    app.switch_page("pages/1_Neuron.py").run()
    assert not app.exception
    return app


def metric(at: AppTest, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label))


def latex(at: AppTest) -> str:
    return " ".join(e.value for e in at.latex)


def test_launches_with_the_worked_example(at):
    assert at.title[0].value == "From one neuron to backpropagation"
    assert [h.value for h in at.header][:4] == [
        "1. One neuron",
        "2. The perceptron learns a line",
        "3. Backpropagation, worked through",
        "4. Why depth hurts",
    ]
    # Default: z = 0.5·1 + (-1.2)·0.3 + 0.1 = 0.24, a = sigmoid(0.24).
    assert metric(at, "weighted sum z") == pytest.approx(0.24)
    assert metric(at, "output a = f(z)") == pytest.approx(1 / (1 + math.exp(-0.24)), abs=1e-4)
    assert r"0.5\cdot1 + (-1.2)\cdot0.3 + 0.1 = 0.24" in latex(at)
    assert len(at.get("plotly_chart")) == 5  # neuron, perceptron points, tiny net, loss per step, depth
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
    (link,) = at.get("page_link")
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
    assert any("relu 0 (dead" in c.value for c in at.caption)
