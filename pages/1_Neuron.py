"""Neuron: one neuron, the perceptron rule, backpropagation worked through, why depth hurts."""

import pandas as pd
import streamlit as st

from core import backprop, neuron
from core.activations import ACTIVATIONS
from core.presets import PRESETS
from ui import neuron_charts as nc
from ui import state
from ui.code import show_code

st.set_page_config(page_title="Neuron", page_icon="🧠", layout="wide")
state.setup()
S = st.session_state
X0, W0 = [1.0, 0.3, -0.5, 0.8, 0.2], [0.5, -1.2, 0.8, 0.3, -0.7]  # z = 0.5·1 + (-1.2)·0.3 + 0.1 = 0.24
DEPTH = 20


st.title("From one neuron to backpropagation")

# 1. One neuron ---------------------------------------------------------------------------------
st.header("1. One neuron")
st.markdown(
    r"A neuron multiplies each input by a **weight**, adds a **bias** and passes the sum through an "
    r"**activation**: $z = w \cdot x + b$, $a = f(z)$. The weights say how much each input counts, "
    r"the bias shifts the threshold, the activation bends the straight line into a curve."
)
c1, c2, c3 = st.columns(3)
n = c1.slider("number of inputs", 2, 5, 2, key="neuron.n")
b = c2.slider("bias b", -3.0, 3.0, 0.1, 0.1, key="neuron.b")
act = c3.selectbox(
    "activation f", list(ACTIVATIONS), index=list(ACTIVATIONS).index("sigmoid"), key="neuron.act"
)
x, w = [], []
for i, col in enumerate(st.columns(5)[:n]):
    x.append(col.number_input(f"input x{i + 1}", -5.0, 5.0, X0[i], 0.1, key=f"neuron.x{i}"))
    w.append(col.slider(f"weight w{i + 1}", -3.0, 3.0, W0[i], 0.1, key=f"neuron.w{i}"))
out = neuron.neuron_forward(x, w, b, act)
left, right = st.columns([3, 1], vertical_alignment="center")
left.plotly_chart(nc.neuron_figure(x, w, b, out, act), width="stretch")
right.metric("weighted sum z", f"{out.z:.4g}")
right.metric("output a = f(z)", f"{out.a:.4g}")
right.metric(
    "slope f'(z)", f"{out.slope:.4g}", help="how fast a moves with z: backpropagation multiplies by it"
)
st.latex(nc.neuron_latex(x, w, b, out, act))
show_code(neuron.neuron_forward)

# 2. The perceptron ---------------------------------------------------------------------------------
st.header("2. The perceptron learns a line")
st.markdown(
    r"With a hard step as activation ($\hat y = 1$ if $z \ge 0$, else 0) a neuron splits the plane along "
    r"the line $w_1x_1 + w_2x_2 + b = 0$. Rosenblatt's rule moves the line toward each point it gets "
    r"wrong: $w \leftarrow w + \eta\,(y - \hat y)\,x$ and $b \leftarrow b + \eta\,(y - \hat y)$; a right "
    r"answer gives $y - \hat y = 0$, no change. If some line separates the classes, it finds one."
)
c1, c2, c3 = st.columns(3)
data = c1.selectbox("data", neuron.PERCEPTRON_SETS, key="neuron.data")
c2.slider("learning rate η", 0.05, 1.0, 0.5, 0.05, key="neuron.lr")
seed = c3.number_input("seed (cloud only)", 0, 999, 0, key="neuron.seed", disabled=data != "cloud")
px, py = neuron.perceptron_data(data, seed)
if S.get("neuron.perc_data") != (data, seed):  # new points: start again from the same line
    S["neuron.perc_data"], S["neuron.perc"] = (data, seed), neuron.PerceptronState()


def perceptron_action(action: str) -> None:
    """Step (one epoch), run to convergence (at most 100 epochs) or reset, before the rerun."""
    p, (xs, ys) = S["neuron.perc"], neuron.perceptron_data(S["neuron.data"], S["neuron.seed"])
    if action == "step":
        S["neuron.perc"] = neuron.perceptron_epoch(p, xs, ys, S["neuron.lr"])
    elif action == "run":
        S["neuron.perc"] = neuron.perceptron_run(p, xs, ys, S["neuron.lr"], max_epochs=100)
    else:
        S["neuron.perc"] = neuron.PerceptronState()


with st.container(horizontal=True, vertical_alignment="center"):
    st.button("Step: 1 epoch", on_click=perceptron_action, args=("step",), key="neuron.perc_step")
    st.button(
        "Run to convergence (≤ 100 epochs)", on_click=perceptron_action, args=("run",), key="neuron.perc_run"
    )
    st.button("Reset", on_click=perceptron_action, args=("reset",), key="neuron.perc_reset")
    st.caption("One epoch visits every point once, in order, and moves the line after each mistake.")
p = S["neuron.perc"]
wrong = int((neuron.predict(p.w, p.b, px) != py).sum())
left, right = st.columns(2)
left.plotly_chart(nc.perceptron_figure(px, py, p), width="stretch")
left.caption(
    f"After epoch {p.epochs}: w = ({p.w[0]:.3g}, {p.w[1]:.3g}), b = {p.b:.3g}; {wrong} point(s) wrong. "
    "The shading is the prediction: orange where ŷ = 1, blue where ŷ = 0."
)
if p.converged:
    right.success(
        f"Converged in {p.epochs} epochs: the last epoch made no mistake, so the line separates every point."
    )
elif p.errors and data == "XOR":
    right.error(
        f"{p.epochs} epochs, and still {p.errors[-1]} mistake(s) in the last one. It never reaches 0."
    )
if p.errors:
    right.plotly_chart(nc.errors_figure(p.errors), width="stretch")
else:
    right.info("Press **Step** to run one epoch of the perceptron rule.")
if data == "XOR":
    st.warning(
        "XOR is 1 at (0, 1) and (1, 0) and 0 at (0, 0) and (1, 1): each class sits on opposite corners, so "
        "**no straight line separates them**, and a single neuron only draws straight lines. The rule keeps "
        "fixing one corner by breaking another. A hidden layer bends the boundary:"
    )
    st.page_link(
        "pages/3_MLP_Lab.py",
        label="Solve XOR in the MLP lab: one hidden layer of 4 units",
        icon=":material/play_arrow:",
        query_params=PRESETS["xor"].params(),
    )
if p.log:
    with st.expander("The last epoch, point by point"):
        st.dataframe(pd.DataFrame(p.log), hide_index=True)
show_code(neuron.perceptron_epoch)

# 3. Backpropagation ---------------------------------------------------------------------------------
st.header("3. Backpropagation, worked through")
st.markdown(
    r"2 inputs, 2 hidden units, 1 sigmoid output, one training point. **Forward**: every $z$ and $a$ up "
    r"to the loss. **Backward**: the chain rule multiplies local slopes from the loss down, "
    r"$\frac{\partial L}{\partial w} = \frac{\partial L}{\partial a} \cdot \frac{\partial a}{\partial z}"
    r"\cdot \frac{\partial z}{\partial w}$, each layer reusing the product the layer above computed. "
    r"**Update**: every parameter steps against its gradient, "
    r"$p \leftarrow p - \eta\,\partial L/\partial p$."
)
c = st.columns([1.2, 1.4, 1, 1, 0.8, 1.2, 1])
hidden = c[0].selectbox("hidden activation", list(backprop.HIDDEN), key="neuron.bp_hidden")
names = {"squared": "squared error", "bce": "cross-entropy"}
loss = c[1].selectbox("loss", list(backprop.LOSSES), format_func=names.get, key="neuron.bp_loss")
xb = (c[2].number_input("x1", -2.0, 2.0, 1.0, 0.1, key="neuron.bp_x1"),
      c[3].number_input("x2", -2.0, 2.0, -0.5, 0.1, key="neuron.bp_x2"))  # fmt: skip
yb = float(c[4].selectbox("target y", [1, 0], key="neuron.bp_y"))
lr = c[5].slider("learning rate η", 0.05, 3.0, 1.0, 0.05, key="neuron.bp_lr")
bp_seed = c[6].number_input("seed (weights)", 0, 999, 0, key="neuron.bp_seed")
if S.get("neuron.bp_setup") != (setup := (hidden, loss, xb, yb, bp_seed)):  # a new problem: fresh weights
    S["neuron.bp_setup"], S["neuron.bp_net"] = setup, backprop.init_net(bp_seed)
    S["neuron.bp_losses"] = [backprop.forward(S["neuron.bp_net"], xb, yb, hidden, loss).loss]


def backprop_action(step: bool) -> None:
    """One SGD step on the current weights, or back to the seed's weights, before the rerun."""
    hid, los, xs, ys, sd = S["neuron.bp_setup"]
    net = S["neuron.bp_net"]
    if step:
        net = backprop.sgd_step(net, backprop.backward(net, xs, ys, hid, los)[2], S["neuron.bp_lr"])
        S["neuron.bp_losses"] = [*S["neuron.bp_losses"], backprop.forward(net, xs, ys, hid, los).loss]
    else:
        net, S["neuron.bp_losses"] = backprop.init_net(sd), S["neuron.bp_losses"][:1]
    S["neuron.bp_net"] = net


net = S["neuron.bp_net"]
with st.container(horizontal=True, vertical_alignment="center"):
    st.button(
        "Step: 1 SGD update", on_click=backprop_action, args=(True,), key="neuron.bp_step", type="primary"
    )
    st.button("Reset weights", on_click=backprop_action, args=(False,), key="neuron.bp_reset")
    k = len(S["neuron.bp_losses"]) - 1
    st.caption(f"{k} step{'s' * (k != 1)} so far. Step applies the update in the table below.")
fw, signals, grads = backprop.backward(net, xb, yb, hidden, loss)
st.plotly_chart(nc.tiny_net_figure(net, xb, fw, grads), width="stretch")
st.markdown("**Forward pass**: each unit sums its weighted inputs, then applies its activation")
st.latex(nc.forward_latex(net, xb, yb, fw, hidden, loss))
st.markdown("**Backward, output layer**: the loss's slope, the sigmoid's slope, then the output weights")
st.latex(nc.chains_latex(signals[:2] + [grads["w2_1"], grads["w2_2"], grads["b2"]]))
dz2 = signals[0].value * signals[1].value
if loss == "bce":
    st.caption(
        f"∂L/∂ŷ · ∂ŷ/∂z₂ = {dz2:.4g} = ŷ − y: cross-entropy cancels the sigmoid's slope, so a confidently "
        "wrong output still gets a large gradient."
    )
else:
    st.caption(
        f"∂L/∂ŷ · ∂ŷ/∂z₂ = (ŷ − y) · ŷ(1 − ŷ) = {dz2:.4g}: the sigmoid's slope stays in, so a saturated "
        "output (ŷ near 0 or 1) learns slowly even when wrong. Try cross-entropy."
    )
st.markdown(r"**Backward, hidden layer**: $\partial L/\partial a_{1,j}$ reuses the two slopes above")
st.latex(nc.chains_latex(signals[2:4] + [grads[k] for k in ("w1_11", "w1_12", "b1_1")]))
st.latex(nc.chains_latex(signals[4:] + [grads[k] for k in ("w1_21", "w1_22", "b1_2")]))
left, right = st.columns(2)
left.markdown(f"**One SGD update** with η = {lr:g}: w1_jk joins input k to hidden unit j")
after = backprop.sgd_step(net, grads, lr).flat()
table = {"now": net.flat(), "∂L/∂p": {k: g.value for k, g in grads.items()}, "after: p − η·∂L/∂p": after}
left.dataframe(pd.DataFrame(table), width="stretch")
right.plotly_chart(nc.loss_steps_figure(S["neuron.bp_losses"]), width="stretch")
right.caption(f"Loss now {fw.loss:.4g}; at the start {S['neuron.bp_losses'][0]:.4g}.")
show_code(backprop.backward, backprop.sgd_step)

# 4. Why depth hurts ---------------------------------------------------------------------------------
st.header("4. Why depth hurts")
st.markdown(
    r"On its way back through each layer the gradient is multiplied by that layer's slope $f'(z)$ (and "
    r"weight). Sigmoid's slope is at most $\tfrac14$, so after $L$ layers at most $0.25^L$ is left: ten "
    r"layers keep less than a millionth. tanh's slope is 1 at $z = 0$ but falls away from it; ReLU "
    r"passes exactly 1 for $z > 0$ and 0 for $z < 0$ (a dead unit passes nothing)."
)
c1, c2 = st.columns(2)
z = c1.slider("pre-activation z at every layer", -4.0, 4.0, 1.0, 0.1, key="neuron.depth_z")
chosen = c2.multiselect(
    "activations", list(ACTIVATIONS), ["sigmoid", "tanh", "relu"], key="neuron.depth_acts"
)
products = {a: backprop.depth_product(a, z, DEPTH) for a in chosen}
st.plotly_chart(nc.depth_figure(products, [0.25**k for k in range(1, DEPTH + 1)]), width="stretch")
after10 = [f"{a} {q[9]:.2g}" if q[9] > 0 else f"{a} 0 (dead: off the log axis)" for a, q in products.items()]
st.caption(
    f"What is left after 10 layers at z = {z:g}: " + "; ".join(after10) + ". Weights are taken as 1 here; "
    "real weights multiply in too, which is why initialisation (Xavier, He) matters."
)
show_code(backprop.depth_product)
