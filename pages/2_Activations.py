"""Activations: f(x) and f'(x), where the slope dies, and what is left of a gradient after L layers."""

import streamlit as st

from core import activation_lessons as lessons
from core import depth_lessons
from core.activation_lessons import ActivationsView
from core.activations import ACTIVATIONS
from ui import activation_charts, state
from ui.code import show_code
from ui.controls import field_widget

st.set_page_config(page_title="Activations", page_icon="📈", layout="wide")
state.setup()
PREFIX = "act"


# 1. Lesson ------------------------------------------------------------------------------
st.title("Activations")
st.markdown(
    "After its weighted sum z, every unit applies an **activation** f: the bend that lets a "
    "stack of layers draw curves instead of one straight line. Backpropagation pays for that "
    "bend: a gradient passing back through a unit is **multiplied by its slope f'(z)**. Where "
    "the slope is tiny (shaded below: under 10% of its best) the unit passes back almost "
    "nothing. Sigmoid and tanh **saturate** on their flat rails; ReLU is **dead** for z < 0. "
    "Stack L such factors and you get the vanishing gradient."
)

# 2. Config: URL -> widgets -> config (published to the URL at the end) ----------------------
for notice in state.sync_from_url(ActivationsView, PREFIX):
    st.warning(f"This link had a bad value. {notice}.", icon="⚠️")
with st.container(border=True):
    c_act, c_other, c_x = st.columns([1, 1, 2], gap="large")
    with c_act:
        name = field_widget(ActivationsView, PREFIX, "activation")
    with c_other:
        compare = field_widget(ActivationsView, PREFIX, "compare")
    with c_x:
        x = field_widget(ActivationsView, PREFIX, "x")
other = None if compare in ("none", name) else compare
act = ACTIVATIONS[name]

# 3. f and f' ------------------------------------------------------------------------------
st.subheader(f"{name}: the function and its slope")
regions, peak, thr = lessons.slow_regions(name), lessons.peak(name), lessons.threshold(name)
fx, dfx = lessons.read_off(name, x)
chart, facts = st.columns([3, 2], gap="large")
with chart:
    fig = activation_charts.function_figure(
        lessons.curves(name), regions, peak, thr, x, (fx, dfx), lessons.curves(other) if other else None
    )
    st.plotly_chart(fig, width="stretch")
with facts:
    st.latex(rf"f(x) = {act.formula}")
    slope_tex = lessons.DERIVATIVE_LATEX.get(name, r"\text{see the code below}")
    st.latex(rf"f'(x) = {slope_tex}")
    m_f, m_df = st.columns(2)
    m_f.metric(f"f({x:g})", f"{fx:.4g}")
    m_df.metric(f"f'({x:g})", f"{dfx:.4g}")
    share = lessons.percent(abs(dfx) / peak.value)
    here = lessons.region_at(regions, x)
    if here is None:
        flip = " (with its sign flipped)" if dfx < 0 else ""
        st.success(f"At x = {x:g} the unit passes back {share} of its best slope{flip}: above the 10% line.")
    elif here.kind == "dead":
        st.error(
            f"At x = {x:g} the unit is dead: f' = 0, so no gradient passes back through it "
            "for this input, and the weights feeding it learn nothing from it."
        )
    else:
        st.warning(
            f"At x = {x:g} the unit is saturated: it multiplies each gradient by {dfx:.3g}, "
            f"{share} of its best slope."
        )
    st.markdown(f"**Flat regions.** {lessons.regions_sentence(name, regions)}")
    best = "Largest slope" if peak.attained else "Slope's upper bound"
    st.markdown(f"**{best}.** f' = {peak.value:.4g} {peak.where}.")
    if other:
        ofx, odfx = lessons.read_off(other, x)
        st.caption(
            f"Dashed: {other}, f({x:g}) = {ofx:.4g}, f'({x:g}) = {odfx:.4g}. "
            + lessons.regions_sentence(other)
        )
st.caption(
    "Shaded: where |f'(x)| is below 10% of its maximum, found from the derivative itself (a fine "
    "grid, each edge refined by bisection), not typed in. The red line reads both curves at x."
)
show_code(act.df, lessons.is_flat, lessons.slow_regions, titles=(f"f' of {name}: ACTIVATIONS[{name!r}].df",))

# 4. Through depth ---------------------------------------------------------------------------
st.subheader("Through L layers: f'(z) to the power L")
st.markdown(
    "Backprop multiplies one slope per layer on its way down. If every layer's unit sits at the "
    "same pre-activation z, the gradient that reaches the first layer is **f'(z)^L** times the one "
    "that left the top (the weights multiply in too; leave them out and this is the activation's "
    "own share). A slope of 0.25 is harmless once and ruinous ten times."
)
c_z, c_l = st.columns(2, gap="large")
with c_z:
    z = field_widget(ActivationsView, PREFIX, "z")
with c_l:
    depth = field_widget(ActivationsView, PREFIX, "depth")
reading = depth_lessons.depth_reading(name, z, depth)
{
    "dead": st.error,
    "vanishing": st.error,
    "exploding": st.error,
    "shrinking": st.warning,
    "growing": st.warning,
    "steady": st.success,
}[reading.verdict](reading.text)
if other:
    st.caption(f"Dashed: {depth_lessons.depth_reading(other, z, depth).text}")
products = {n: depth_lessons.depth_products(n, z) for n in (name, other) if n}
st.plotly_chart(activation_charts.depth_figure(products, depth, z), width="stretch")
st.caption(
    "Log axis: each step down is ten times less gradient. In a real net every unit sits at its own "
    "z and the weights scale the gradient too; that is what Xavier and He init balance. The MLP lab "
    "measures the whole product, layer by layer."
)
show_code(depth_lessons.depth_products, depth_lessons.depth_reading)

# 5. Train them ---------------------------------------------------------------------------
st.subheader("Now train them: 10 hidden layers each")
st.caption(
    "Each link opens the MLP lab with 10 hidden layers and that activation (everything else at its "
    "default); press **Train** there and watch the gradient-flow chart."
)
cols = st.columns(4)
for i, n in enumerate(ACTIVATIONS):
    cols[i % 4].page_link(
        "pages/3_MLP_Lab.py",
        label=f"Train {n} at depth 10",
        icon=":material/play_arrow:",
        query_params=lessons.mlp_params(n, depth=10),
    )

state.publish(state.read_config(ActivationsView, PREFIX), PREFIX)
