"""Neuron: one neuron, the perceptron rule, backpropagation worked through, why it needs a slope,
why depth hurts."""

import streamlit as st

from core.base.i18n import _
from core.lessons import backprop, depth_lessons, neuron, step_lesson
from ui.common import state
from ui.common.code import show_code
from ui.common.plot import chart
from ui.lessons import backprop_views, neuron_views, step_charts
from ui.lessons import neuron_charts as nc

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Neuron"), page_icon="🧠", layout="wide")
DEPTH = 20
BEST = depth_lessons.slope("sigmoid", 0.0)  # sigmoid's largest slope, 1/4 at z = 0

st.title(_("From one neuron to backpropagation"))

# 1. One neuron ---------------------------------------------------------------------------------
st.header(_("1. One neuron"))
st.markdown(
    _(
        "A neuron multiplies each input by a **weight**, adds a **bias** and passes the sum through an "
        "**activation**: $z = w \\cdot x + b$, $a = f(z)$. The weights say how much each input counts and "
        "the bias shifts the threshold. The activation bends the **output**, $a = f(z)$ is a curve in $z$, "
        "but not the boundary: $a$ depends on the inputs only through $z$, so any threshold on $a$ splits "
        "them along straight lines $w \\cdot x + b = $ const, never a curve. Section 2 draws that line; "
        "curved boundaries need a hidden layer."
    )
)
x, w, b, act = neuron_views.neuron_controls()
neuron_views.show_neuron(x, w, b, neuron.neuron_forward(x, w, b, act), act)
show_code(neuron.neuron_forward)

# 2. The perceptron ---------------------------------------------------------------------------------
st.header(_("2. The perceptron learns a line"))
st.markdown(
    _(
        "With a hard step as activation ($\\hat y = 1$ if $z \\ge 0$, else 0) a neuron splits the plane "
        "along the line $w_1x_1 + w_2x_2 + b = 0$. Rosenblatt's rule turns and shifts the line after each "
        "point it gets wrong, moving that point toward its own side: $w \\leftarrow w + \\eta\\,(y - \\hat y)"
        "\\,x$ and $b \\leftarrow b + \\eta\\,(y - \\hat y)$; a right answer gives $y - \\hat y = 0$, no "
        "change. If some line separates the classes, it finds one after finitely many mistakes."
    )
)
data, px, py = neuron_views.perceptron_controls()
neuron_views.show_perceptron(data, px, py)
show_code(neuron.perceptron_epoch)

# 3. Backpropagation ---------------------------------------------------------------------------------
st.header(_("3. Backpropagation, worked through"))
st.markdown(
    _(
        "2 inputs, 2 hidden units, 1 sigmoid output, one training point. **Forward**: every $z$ and $a$ up "
        "to the loss. **Backward**: the chain rule multiplies local slopes from the loss down, "
        "$\\frac{\\partial L}{\\partial w} = \\frac{\\partial L}{\\partial a} \\cdot \\frac{\\partial a}"
        "{\\partial z} \\cdot \\frac{\\partial z}{\\partial w}$, each layer reusing the product the layer "
        "above computed. **Update**: every parameter steps against its gradient, "
        "$p \\leftarrow p - \\eta\\,\\partial L/\\partial p$."
    )
)
problem = backprop_views.backprop_controls()
backprop_views.show_backprop(*problem)
show_code(backprop.backward, backprop.sgd_step)

# 4. Why backpropagation needs a slope ---------------------------------------------------------
st.header(_("4. Why backpropagation needs a slope"))
st.markdown(
    _(
        "The perceptron above learns with a hard step, but its rule uses the error $y - \\hat y$ itself, "
        "not a gradient, and it trains one layer only: a hidden unit has no target to compare with. "
        "Backpropagation gives every unit its share through the chain rule, and every factor of the chain "
        "is a slope $f'(z)$. A step's slope is 0 at every $z \\ne 0$ (at $z = 0$ it jumps, with no finite "
        "slope), so every product through it is 0. Below, the same tiny net on the same separable points, "
        "from the same starting weights, with the same loss and learning rate, is trained by gradient "
        "descent with autograd's gradients: once with a step, once with a sigmoid."
    )
)
hidden, lr, epochs, seed = backprop_views.step_controls()
runs = backprop_views.step_runs(hidden, lr, epochs, seed)
chart(st, step_charts.step_vs_sigmoid_figure(runs), key="neuron.step_chart")
st.caption(
    _(
        "Step: {zeros} of {n} gradients were exactly 0, the weights moved {moved_step:g} and the loss stayed "
        "at {loss_step:.4g} (its share of points on the wrong side). Sigmoid: the loss fell from {l0:.3g} "
        "to {l1:.3g}, the weights moved {moved:.3g}, and {acc:.0%} of the points end on their own side. "
        "That is why backpropagation (1986) replaced the step with the sigmoid."
    ).format(
        zeros=sum(g == 0 for g in runs["step"].grad_norms),
        n=len(runs["step"].grad_norms),
        moved_step=runs["step"].moved,
        loss_step=runs["step"].losses[-1],
        l0=runs["sigmoid"].losses[0],
        l1=runs["sigmoid"].losses[-1],
        moved=runs["sigmoid"].moved,
        acc=runs["sigmoid"].accuracy,
    )
)
st.markdown(
    _(
        "Backpropagation works only through **differentiable functions**: functions with a derivative "
        "(a slope) at every value that passes through them, because the chain rule multiplies those "
        "derivatives. The sigmoid is differentiable everywhere. The step is not differentiable at 0, and "
        "everywhere else its derivative is 0, which stops the chain just as surely. ReLU is not "
        "differentiable at exactly 0 either; autograd takes its slope there as 0, and a value landing "
        "exactly on 0 is rare."
    )
)
show_code(step_lesson.step, step_lesson.train_gd)

# 5. Why depth hurts ---------------------------------------------------------------------------------
st.header(_("5. Why depth hurts"))
st.markdown(
    _(
        "On its way back through each layer the gradient is multiplied by that layer's slope $f'(z)$ and "
        "weight. Sigmoid's slope is at most {best:g} (at $z = 0$), so the slopes alone leave at most "
        "${best:g}^L$: ten layers keep {best:g}^10 = {ten:.2g}, less than a millionth. tanh's slope is 1 at "
        "$z = 0$ and falls away from it; ReLU's is exactly 1 for $z > 0$ and 0 for $z < 0$, where the unit "
        "passes no gradient for that input."
    ).format(best=BEST, ten=BEST**10)
)
z, chosen = backprop_views.depth_controls()
products = {a: backprop.depth_product(a, z, DEPTH) for a in chosen}
st.plotly_chart(nc.depth_figure(products, [BEST**k for k in range(1, DEPTH + 1)]), width="stretch")
after10 = [
    f"{a} {q[9]:.2g}" if q[9] > 0 else _("{a} 0 (f' = 0: off the log axis)").format(a=a)
    for a, q in products.items()
]
st.caption(
    _("What is left after 10 layers at z = {z:g}: {values}.").format(z=z, values="; ".join(after10))
    + " "
    + _(
        "Weights are taken as 1 here; real weights multiply in too, which is why initialisation "
        "(Xavier, He) matters."
    )
)
show_code(backprop.depth_product)
