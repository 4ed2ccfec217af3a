"""The Neuron page's backpropagation sections as widgets and views: the 2-2-1 net stepped by hand,
the step-vs-sigmoid controls, and the depth controls. Widgets return values; state lives in
st.session_state; the maths is core.lessons.backprop."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from core.base.i18n import N_, _, ngettext
from core.contract.activations import ACTIVATIONS
from core.lessons import backprop, neuron, step_lesson
from ui.common.plot import chart, once
from ui.lessons import neuron_charts as nc

S = st.session_state
LOSS_NAMES = {"squared": N_("squared error"), "bce": N_("cross-entropy")}


def _backprop_action(step: bool) -> None:
    """One SGD step on the current weights, or back to the seed's weights, before the rerun."""
    hid, los, xs, ys, sd = S["neuron.bp_setup"]
    net = S["neuron.bp_net"]
    if step:
        net = backprop.sgd_step(net, backprop.backward(net, xs, ys, hid, los)[2], S["neuron.bp_lr"])
        S["neuron.bp_losses"] = [*S["neuron.bp_losses"], backprop.forward(net, xs, ys, hid, los).loss]
    else:
        net, S["neuron.bp_losses"] = backprop.init_net(sd), S["neuron.bp_losses"][:1]
    S["neuron.bp_net"] = net


def backprop_controls() -> tuple[str, str, tuple[float, float], float, float]:
    """The problem (hidden activation, loss, point, target), the learning rate, the seed; Step and
    Reset. A new problem starts from the seed's weights. Returns (hidden, loss, x, y, lr)."""
    c = st.columns([1.2, 1.4, 1, 1, 0.8, 1.2, 1])
    hidden = c[0].selectbox(_("hidden activation"), list(backprop.HIDDEN), key="neuron.bp_hidden")
    loss = c[1].selectbox(
        _("loss"), list(backprop.LOSSES), format_func=lambda k: _(LOSS_NAMES[k]), key="neuron.bp_loss"
    )
    xb = (c[2].number_input("x1", -2.0, 2.0, 1.0, 0.1, key="neuron.bp_x1"),
          c[3].number_input("x2", -2.0, 2.0, -0.5, 0.1, key="neuron.bp_x2"))  # fmt: skip
    yb = float(c[4].selectbox(_("target y"), [1, 0], key="neuron.bp_y"))
    lr = c[5].slider(_("learning rate η"), 0.05, 3.0, 1.0, 0.05, key="neuron.bp_lr")
    seed = c[6].number_input(_("seed (weights)"), 0, 999, 0, key="neuron.bp_seed")
    if S.get("neuron.bp_setup") != (setup := (hidden, loss, xb, yb, seed)):  # a new problem: fresh weights
        S["neuron.bp_setup"], S["neuron.bp_net"] = setup, backprop.init_net(seed)
        S["neuron.bp_losses"] = [backprop.forward(S["neuron.bp_net"], xb, yb, hidden, loss).loss]
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button(
            _("Step: 1 SGD update"),
            on_click=_backprop_action,
            args=(True,),
            key="neuron.bp_step",
            type="primary",
        )
        st.button(_("Reset weights"), on_click=_backprop_action, args=(False,), key="neuron.bp_reset")
        k = len(S["neuron.bp_losses"]) - 1
        st.caption(
            ngettext("{k} step so far.", "{k} steps so far.", k).format(k=k)
            + " "
            + _("Step applies the update in the table below.")
        )
    return hidden, loss, xb, yb, lr


def show_backprop(hidden: str, loss: str, xb: tuple[float, float], yb: float, lr: float) -> None:
    """The net with every value and gradient, the forward and backward chains with their numbers,
    the update table and the loss after each step."""
    net = S["neuron.bp_net"]
    fw, signals, grads = backprop.backward(net, xb, yb, hidden, loss)
    chart(st, tiny_net_figure(net, xb, yb, hidden, loss))
    st.markdown(_("**Forward pass**: each unit sums its weighted inputs, then applies its activation"))
    st.latex(nc.forward_latex(net, xb, yb, fw, hidden, loss))
    st.markdown(
        _("**Backward, output layer**: the loss's slope, the sigmoid's slope, then the output weights")
    )
    st.latex(nc.chains_latex(signals[:2] + [grads["w2_1"], grads["w2_2"], grads["b2"]]))
    dz2 = signals[0].value * signals[1].value
    if loss == "bce":
        st.caption(
            _(
                "∂L/∂ŷ · ∂ŷ/∂z₂ = {v:.4g} = ŷ − y: cross-entropy cancels the sigmoid's slope, so a "
                "confidently wrong output gets the largest gradient, |ŷ − y| close to 1."
            ).format(v=dz2)
        )
    else:
        st.caption(
            _(
                "∂L/∂ŷ · ∂ŷ/∂z₂ = (ŷ − y) · ŷ(1 − ŷ) = {v:.4g}: the sigmoid's slope stays in, so a saturated "
                "output (ŷ near 0 or 1) learns slowly even when wrong. Try cross-entropy."
            ).format(v=dz2)
        )
    st.markdown(_("**Backward, hidden layer**: $\\partial L/\\partial a_{1,j}$ reuses the two slopes above"))
    st.latex(nc.chains_latex(signals[2:4] + [grads[k] for k in ("w1_11", "w1_12", "b1_1")]))
    st.latex(nc.chains_latex(signals[4:] + [grads[k] for k in ("w1_21", "w1_22", "b1_2")]))
    left, right = st.columns(2)
    left.markdown(_("**One SGD update** with η = {lr:g}: w1_jk joins input k to hidden unit j").format(lr=lr))
    after = backprop.sgd_step(net, grads, lr).flat()
    table = {
        _("now"): net.flat(),
        "∂L/∂p": {k: g.value for k, g in grads.items()},
        _("after: p − η·∂L/∂p"): after,
    }
    left.dataframe(pd.DataFrame(table), width="stretch")
    losses = S["neuron.bp_losses"]
    right.plotly_chart(nc.loss_steps_figure(losses), width="stretch")
    right.caption(_("Loss now {now:.4g}; at the start {start:.4g}.").format(now=fw.loss, start=losses[0]))


@once
def tiny_net_figure(
    net: backprop.TinyNet, xb: tuple[float, float], yb: float, hidden: str, loss: str
) -> object:
    """Section 3's net drawn with its values and gradients: a function of the (frozen) weights and
    the problem, built once per setting (a class opens the page on the same first problem)."""
    fw, _signals, grads = backprop.backward(net, xb, yb, hidden, loss)
    return nc.tiny_net_figure(net, xb, fw, grads)


@functools.lru_cache(maxsize=64)
def step_runs(hidden: int, lr: float, epochs: int, seed: int) -> dict[str, step_lesson.GDRun]:
    """Section 4's two runs, step and sigmoid, on the perceptron's "cloud" points of `seed`:
    the same for every visitor with the same controls, so computed once per setting (read-only)."""
    px, py = neuron.perceptron_data("cloud", seed)
    return {a: step_lesson.train_gd(a, px, py, lr, epochs, seed, hidden) for a in step_lesson.STEP_OR_SIGMOID}


def step_controls() -> tuple[int, float, int, int]:
    """The tiny net (one neuron or a hidden layer of 4), learning rate, epochs, seed."""
    c1, c2, c3, c4 = st.columns(4)
    shapes = {0: _("one neuron (2 → 1)"), 4: _("a hidden layer (2 → 4 → 1)")}
    hidden = c1.selectbox(_("net"), list(shapes), format_func=shapes.get, key="neuron.step_hidden")
    lr = c2.slider(_("learning rate η"), 0.1, 5.0, 2.0, 0.1, key="neuron.step_lr")
    epochs = c3.slider(_("epochs"), 10, 300, 100, 10, key="neuron.step_epochs")
    seed = c4.number_input(_("seed (data and weights)"), 0, 999, 0, key="neuron.step_seed")
    return hidden, lr, epochs, seed


def depth_controls() -> tuple[float, list[str]]:
    """The pre-activation every layer sits at, and which activations to compare."""
    c1, c2 = st.columns(2)
    z = c1.slider(_("pre-activation z at every layer"), -4.0, 4.0, 1.0, 0.1, key="neuron.depth_z")
    chosen = c2.multiselect(
        _("activations"), list(ACTIVATIONS), ["sigmoid", "tanh", "relu"], key="neuron.depth_acts"
    )
    return z, chosen
