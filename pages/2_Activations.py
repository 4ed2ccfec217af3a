"""Activations: f and f', where the slope is small and why, what is left of a gradient after L layers."""

import streamlit as st

from core.base.i18n import _
from core.contract.activations import ACTIVATIONS
from core.lessons import activation_lessons as lessons
from core.lessons import activation_words, depth_lessons
from core.lessons.activation_lessons import ActivationsView
from ui.common import state
from ui.common.code import show_code
from ui.common.controls import field_widget
from ui.lessons import activation_charts, activation_views

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Activations"), page_icon="📈", layout="wide")
PREFIX = "act"
SIGMOID_BEST = depth_lessons.slope("sigmoid", 0.0)  # 1/4: sigmoid's largest slope, at z = 0

# 1. Lesson ------------------------------------------------------------------------------
st.title(_("Activations"))
st.markdown(
    _(
        "After its weighted sum z, every unit applies an **activation** f: the bend that lets a stack of "
        "layers draw bent boundaries instead of one straight line (without it, any stack of layers is one "
        "linear map). Backpropagation pays for that bend: a gradient passing back through a unit is "
        "**multiplied by its slope f'(z)**. Where the slope is under 10% of its best (shaded below), the "
        "unit passes back less than a tenth of what it could; what that stretch is depends on the "
        "function. Sigmoid and tanh **saturate**: far from 0 they flatten out and f' shrinks toward 0, "
        "never reaching it. ReLU's slope is **exactly 0** for z < 0: no gradient at all for that input. "
        "Leaky ReLU keeps a slope of 0.01 there. Stack L small factors and you get the vanishing gradient."
    )
)

# 2. Config: URL -> widgets -> config (published to the URL at the end) ----------------------
for notice in state.sync_from_url(ActivationsView, PREFIX):
    st.warning(_("This link had a bad value. {notice}.").format(notice=notice), icon="⚠️")
with st.container(border=True):
    c_act, c_other, c_x = st.columns([1, 1, 2], gap="large")
    with c_act:
        name = field_widget(ActivationsView, PREFIX, "activation")
    with c_other:
        compare = field_widget(ActivationsView, PREFIX, "compare")
    with c_x:
        x = field_widget(ActivationsView, PREFIX, "x")
other = None if compare in ("none", name) else compare

# 3. f and f': computed from the registry, the slow regions found from f' itself ---------------
st.subheader(_("{name}: the function and its slope").format(name=name))
regions, peak, thr = lessons.slow_regions(name), lessons.peak(name), lessons.threshold(name)
chart, facts = st.columns([3, 2], gap="large")
with chart:
    fig = activation_charts.function_figure(
        lessons.curves(name),
        regions,
        peak,
        thr,
        x,
        lessons.read_off(name, x),
        lessons.curves(other) if other else None,
    )
    st.plotly_chart(fig, width="stretch")
with facts:
    activation_views.facts(name, x, regions, peak, other)
st.caption(
    _(
        "Shaded: where |f'(x)| is below 10% of its maximum, found from the derivative itself (a fine grid, "
        "each edge refined by bisection), not typed in, and labelled with what it is: dead (f' = 0), leaky "
        "(a small constant slope), a turning point (f' = 0 at one point) or saturated (f flattening out). "
        "The red line reads both curves at x."
    )
)
show_code(
    ACTIVATIONS[name].df,
    lessons.slow_regions,
    activation_words.reading_at,
    titles=(_("f' of {name}: ACTIVATIONS[{key}].df").format(name=name, key=repr(name)),),
)

# 4. Through depth ---------------------------------------------------------------------------
st.subheader(_("Through L layers: f'(z) to the power L"))
st.markdown(
    _(
        "Backprop multiplies one slope per layer on its way down. If every layer's unit sits at the same "
        "pre-activation z, the gradient that reaches the first layer is **f'(z)^L** times the one that left "
        "the top (the weights multiply in too; leave them out and this is the activation's own share). "
        "Sigmoid's best slope, {best:g}, keeps a quarter of the gradient through one layer; through ten it "
        "keeps {best:g}^10 = {ten:.2g}, less than a millionth."
    ).format(best=SIGMOID_BEST, ten=SIGMOID_BEST**10)
)
c_z, c_l = st.columns(2, gap="large")
with c_z:
    z = field_widget(ActivationsView, PREFIX, "z")
with c_l:
    depth = field_widget(ActivationsView, PREFIX, "depth")
reading = depth_lessons.depth_reading(name, z, depth)
activation_views.verdict(reading, depth_lessons.depth_reading(other, z, depth) if other else None)
products = {n: depth_lessons.depth_products(n, z) for n in (name, other) if n}
st.plotly_chart(activation_charts.depth_figure(products, depth, z), width="stretch")
st.caption(
    _(
        "Log axis: each power of ten down is ten times less gradient. In a real net every unit sits at its "
        "own z and the weights scale the gradient too; that is what Xavier and He init balance. The MLP lab "
        "measures what really reaches each layer."
    )
)
show_code(depth_lessons.depth_products, depth_lessons.depth_reading)

# 5. Train them ---------------------------------------------------------------------------
st.subheader(_("Now train them: 10 hidden layers each"))
st.caption(
    _(
        "Each link opens the MLP lab with 10 hidden layers and that activation (everything else at its "
        "default); press **Train** there and watch the gradient-flow chart."
    )
)
activation_views.train_links(depth=10)

state.publish(state.read_config(ActivationsView, PREFIX), PREFIX)
