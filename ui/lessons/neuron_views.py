"""The Neuron page's first two sections as widgets and views: one neuron, and the perceptron rule
with its Step / Run / Reset buttons. Widgets return values; state lives in st.session_state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.base.i18n import _, ngettext
from core.contract.activations import ACTIVATIONS
from core.contract.presets import PRESETS
from core.lessons import neuron
from core.lessons.neuron import NeuronOutput
from ui.common.plot import chart, once
from ui.lessons import neuron_charts as nc

S = st.session_state
X0, W0 = [1.0, 0.3, -0.5, 0.8, 0.2], [0.5, -1.2, 0.8, 0.3, -0.7]  # z = 0.5·1 + (-1.2)·0.3 + 0.1 = 0.24
B0 = 0.1


def neuron_controls() -> tuple[list[float], list[float], float, str]:
    """How many inputs, their values and weights, the bias and the activation."""
    c1, c2, c3 = st.columns(3)
    n = c1.slider(_("number of inputs"), 2, 5, 2, key="neuron.n")
    b = c2.slider(_("bias b"), -3.0, 3.0, B0, 0.1, key="neuron.b")
    names = list(ACTIVATIONS)
    act = c3.selectbox(_("activation f"), names, index=names.index("sigmoid"), key="neuron.act")
    x, w = [], []
    for i, col in enumerate(st.columns(5)[:n]):
        label = _("input x{i}").format(i=i + 1)
        x.append(col.number_input(label, -5.0, 5.0, X0[i], 0.1, key=f"neuron.x{i}"))
        w.append(col.slider(_("weight w{i}").format(i=i + 1), -3.0, 3.0, W0[i], 0.1, key=f"neuron.w{i}"))
    return x, w, b, act


@once
def neuron_figure(x: tuple[float, ...], w: tuple[float, ...], b: float, act: str) -> object:
    """The neuron drawn with its numbers: a function of the controls, built once per setting (a
    class opens the page on the same defaults)."""
    return nc.neuron_figure(list(x), list(w), b, neuron.neuron_forward(list(x), list(w), b, act), act)


def show_neuron(x: list[float], w: list[float], b: float, out: NeuronOutput, act: str) -> None:
    """The neuron as a diagram, its three numbers, and the sum written out."""
    left, right = st.columns([3, 1], vertical_alignment="center")
    chart(left, neuron_figure(tuple(x), tuple(w), b, act))
    right.metric(_("weighted sum z"), f"{out.z:.4g}")
    right.metric(_("output a = f(z)"), f"{out.a:.4g}")
    help_ = _("how fast a moves with z: backpropagation multiplies by it")
    right.metric(_("slope f'(z)"), f"{out.slope:.4g}", help=help_)
    st.latex(nc.neuron_latex(x, w, b, out, act))


def _perceptron_action(action: str) -> None:
    """Step (one epoch), run to convergence (at most 100 epochs) or reset, before the rerun."""
    p, (xs, ys) = S["neuron.perc"], neuron.perceptron_data(S["neuron.data"], S["neuron.seed"])
    if action == "step":
        S["neuron.perc"] = neuron.perceptron_epoch(p, xs, ys, S["neuron.lr"])
    elif action == "run":
        S["neuron.perc"] = neuron.perceptron_run(p, xs, ys, S["neuron.lr"], max_epochs=100)
    else:
        S["neuron.perc"] = neuron.PerceptronState()


def perceptron_controls() -> tuple[str, object, object]:
    """The data set, learning rate and seed; Step / Run / Reset. Returns (name, points, labels)."""
    c1, c2, c3 = st.columns(3)
    labels = {"cloud": _("cloud: 40 random points a line separates")}
    data = c1.selectbox(
        _("data"), neuron.PERCEPTRON_SETS, format_func=lambda d: labels.get(d, d), key="neuron.data"
    )
    c2.slider(_("learning rate η"), 0.05, 1.0, 0.5, 0.05, key="neuron.lr")
    seed = c3.number_input(_("seed (cloud only)"), 0, 999, 0, key="neuron.seed", disabled=data != "cloud")
    px, py = neuron.perceptron_data(data, seed)
    if S.get("neuron.perc_data") != (data, seed):  # new points: start again from the same line
        S["neuron.perc_data"], S["neuron.perc"] = (data, seed), neuron.PerceptronState()
    with st.container(horizontal=True, vertical_alignment="center"):
        act = _perceptron_action
        st.button(_("Step: 1 epoch"), on_click=act, args=("step",), key="neuron.perc_step")
        st.button(_("Run to convergence (≤ 100 epochs)"), on_click=act, args=("run",), key="neuron.perc_run")
        st.button(_("Reset"), on_click=act, args=("reset",), key="neuron.perc_reset")
        st.caption(_("One epoch visits every point once, in order, and moves the line after each mistake."))
    return data, px, py


def show_perceptron(data: str, px, py) -> None:
    """The points and the line, the mistakes per epoch, and on XOR why it never ends."""
    p = S["neuron.perc"]
    wrong = int((neuron.predict(p.w, p.b, px) != py).sum())
    left, right = st.columns(2)
    left.plotly_chart(nc.perceptron_figure(px, py, p), width="stretch")
    points = ngettext("{n} point wrong", "{n} points wrong", wrong).format(n=wrong)
    left.caption(
        _("After epoch {e}: w = ({w1:.3g}, {w2:.3g}), b = {b:.3g}; {points}.").format(
            e=p.epochs, w1=p.w[0], w2=p.w[1], b=p.b, points=points
        )
        + " "
        + _("The shading is the prediction: orange where ŷ = 1, blue where ŷ = 0.")
    )
    if p.converged:
        right.success(
            _(
                "Converged in {e} epochs: the last epoch made no mistake, so the line separates every point."
            ).format(e=p.epochs)
        )
    elif p.errors and data == "XOR":
        right.error(
            _("{e} epochs, and still {m} mistake(s) in the last one. It never reaches 0.").format(
                e=p.epochs, m=p.errors[-1]
            )
        )
    if p.errors:
        right.plotly_chart(nc.errors_figure(p.errors), width="stretch")
    else:
        right.info(_("Press **Step** to run one epoch of the perceptron rule."))
    if data == "XOR":
        st.warning(
            _(
                "XOR is 1 at (0, 1) and (1, 0) and 0 at (0, 0) and (1, 1): each class sits on two opposite "
                "corners, so **no straight line separates them**, and a single neuron only draws straight "
                "lines. The rule keeps fixing one corner by breaking another. A hidden layer bends the "
                "boundary:"
            )
        )
        st.page_link(
            "pages/3_MLP_Lab.py",
            label=_("Solve XOR in the MLP lab: one hidden layer of 4 units"),
            icon=":material/play_arrow:",
            query_params=PRESETS["xor"].params(),
        )
    if p.log:
        with st.expander(_("The last epoch, point by point")):
            st.dataframe(pd.DataFrame(p.log).rename(columns=_), hide_index=True)
