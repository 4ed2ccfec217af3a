"""Convolution: a kernel slides over an image; stride, padding, dilation, one cell by hand,
colour channels and pooling."""

import numpy as np
import streamlit as st

from core import conv_lessons as lessons
from core import convolution as cv
from core.conv_lessons import PICTURE, ConvView
from core.kernels import KERNELS, KernelError, parse_kernel, rows_text
from ui import conv_charts as charts
from ui import state
from ui.code import show_code
from ui.controls import field_widget
from ui.image_input import image_picker

st.set_page_config(page_title="Convolution", page_icon="🔲", layout="wide")
state.setup()
PREFIX = "conv"
fmt = charts.fmt  # numbers as the charts print them


def key(name: str) -> str:
    return state.widget_key(PREFIX, name)


def cell_inputs(names: tuple[str, str], shape: tuple[int, int]) -> tuple[int, int]:
    """Row / column inputs kept inside the map (a link's cell beyond it moves to the last one)."""
    picked = []
    for name, n, col in zip(names, shape, st.columns(2)):
        st.session_state[key(name)] = min(int(st.session_state[key(name)]), n - 1)
        label = f"{ConvView.__dataclass_fields__[name].metadata['label']} (0 to {n - 1})"
        picked.append(int(col.number_input(label, 0, n - 1, step=1, key=key(name))))
    return picked[0], picked[1]


def load_preset() -> None:
    """Choosing a named kernel while typing your own starts the text from it."""
    if st.session_state.get("conv._own"):
        st.session_state["conv._typed"] = KERNELS[st.session_state[key("kernel")]].text


# 1. Lesson ---------------------------------------------------------------------------------
st.title("Convolution")
st.markdown(
    "A **convolution** slides a small grid of numbers, the **kernel**, over an image. At every stop "
    "it multiplies the pixels under the kernel by the kernel's numbers, one by one, and adds the "
    "products up: that sum is one pixel of the output, the **feature map**. A blur kernel averages "
    "neighbours; an edge kernel subtracts one side from the other, so it answers *how much does the "
    "brightness change here?* A convolutional layer does exactly this, but **learns** its kernels. "
    "(Strictly it is a cross-correlation: the kernel is not flipped. Every deep-learning library "
    "calls it convolution, and so do we.)"
)
for notice in state.sync_from_url(ConvView, PREFIX):
    if notice.endswith("using the default "):  # the empty default of `weights`: say what it means
        notice += "(none: the named kernel)"
    st.warning(f"This link had a bad value. {notice}.", icon="⚠️")

# 2. The image -------------------------------------------------------------------------------
st.header("1. The image: a grid of numbers")
picture = image_picker(key("image"))
c_src, c_side = st.columns([3, 2], gap="large")
with c_src:
    source = st.selectbox("Convolve", lessons.SOURCES, key=key("source"), format_func=lessons.source_label)
with c_side:
    side = field_widget(ConvView, PREFIX, "side", disabled=source != PICTURE)
rgb = lessons.working_rgb(picture.rgb, side)
img = lessons.gray_of(rgb) if source == PICTURE else lessons.pattern(source)
h, w = img.shape
where = (
    f"{picture.name}, {w}x{h} grey levels 0-255"
    if source == PICTURE
    else f"{w}x{h}, every value printed (the picture above is used in section 5)"
)
st.caption(f"The input: {where}, {h * w:,} numbers.")

# 3. The kernel ------------------------------------------------------------------------------
st.header("2. The kernel")
if st.session_state[key("weights")] != st.session_state.get("conv._seen", ""):
    # A link brought other typed weights (or none): the editor opens with them (or closes).
    st.session_state["conv._own"] = bool(st.session_state[key("weights")])
    st.session_state.pop("conv._typed", None)
    if st.session_state[key("weights")]:
        st.session_state["conv._typed"] = st.session_state[key("weights")].replace("; ", "\n")
c_pick, c_grid = st.columns([3, 2], gap="large")
with c_pick:
    preset = st.selectbox(
        "Kernel",
        tuple(KERNELS),
        key=key("kernel"),
        format_func=lambda n: KERNELS[n].label,
        on_change=load_preset,
    )
    named = KERNELS[preset]
    if st.session_state.get("conv._own"):
        st.caption("Your typed kernel below is in use; choosing a named one here loads it into the box.")
    else:
        st.caption(f"{named.label}: {named.blurb}. Weights: `{named.formula}`.")
    own = st.toggle(
        "Type my own kernel",
        key="conv._own",
        help="starts from the named kernel above; a typed kernel is kept in the share link",
    )
    if own:
        st.session_state.setdefault("conv._typed", KERNELS[preset].text)
        text = st.text_area(
            "Weights: one row per line (or ';'), numbers separated by spaces or commas; fractions like 1/9",
            key="conv._typed",
            height=150,
        )
        try:
            parse_kernel(text)
            st.session_state[key("weights")] = rows_text(text)
        except KernelError as err:
            last = (
                "your last valid kernel"
                if st.session_state[key("weights")]
                else f"the {KERNELS[preset].label}"
            )
            st.error(f"This kernel cannot be used: {err}. Still using {last}.", icon=":material/block:")
    else:
        st.session_state[key("weights")] = ""
    st.session_state["conv._seen"] = st.session_state[key("weights")]
kernel = lessons.kernel_weights(state.read_config(ConvView, PREFIX))
k = kernel.shape[0]
with c_grid:
    st.plotly_chart(charts.grid_figure(kernel, f"Kernel {k}x{k}", signed=True), width="stretch")

# 4. Stride, padding, dilation -> the feature map -------------------------------------------
st.header("3. Stride, padding, dilation: the feature map")
st.markdown(
    "**Stride** s: how many pixels the kernel jumps between stops (2 halves the output). "
    "**Padding** p: pixels added around the border so the kernel can centre on edge pixels: zeros, "
    "a mirror image (reflect) or copies of the edge (replicate); *same* picks p = d(k-1)/2. "
    "**Dilation** d: gaps between the pixels the kernel reads, so it sees wider without more weights."
)
cols = st.columns(5, gap="medium")
for col, name in zip(cols, ("stride", "same", "padding", "pad_mode", "dilation")):
    with col:
        field_widget(ConvView, PREFIX, name, disabled=name == "padding" and st.session_state[key("same")])
view = state.read_config(ConvView, PREFIX)
s, d, mode, p = view.stride, view.dilation, view.pad_mode, lessons.padding_of(view, k)
st.latex(r"n_\text{out} = \left\lfloor \frac{n + 2p - d\,(k-1) - 1}{s} \right\rfloor + 1")
st.markdown(
    f"Height: `{cv.formula_text(h, k, s, p, d)}`  \nWidth: `{cv.formula_text(w, k, s, p, d)}`"
    + (f"  \nSame padding: p = d(k - 1) / 2 = {d} × ({k} - 1) / 2 = {p}" if view.same else "")
)
try:
    out = cv.conv2d(img, kernel, s, p, mode, d)
except cv.ConvError as err:
    st.error(f"No feature map with these settings: {err}.", icon=":material/block:")
    out = None
if out is not None:
    oh, ow = out.shape
    st.markdown(f"**Pick an output cell** of the {oh}x{ow} feature map to work it out by hand:")
    row, col = cell_inputs(("row", "col"), out.shape)
    walk = cv.cell_walkthrough(img, kernel, row, col, s, p, mode, d)
    c_in, c_out = st.columns(2, gap="large")
    with c_in:
        padded = cv.pad(img, p, mode)
        title = f"Input {h}x{w}" + (f", padded by {p} ({mode}) to {h + 2 * p}x{w + 2 * p}" if p else "")
        st.plotly_chart(
            charts.input_figure(padded, p, walk.rows, walk.cols, title), width="stretch", key="conv.input"
        )
    with c_out:
        st.plotly_chart(
            charts.map_figure(out, (row, col), f"Feature map {oh}x{ow}"), width="stretch", key="conv.fmap"
        )
    st.caption(
        "Red squares: the pixels the kernel reads for the chosen cell; dashed blue: the image before padding."
    )
    show_code(
        cv.output_size,
        cv.pad,
        cv.patches,
        cv.conv2d,
        note="The feature map is this numpy code at every size.",
    )

    # 5. One cell by hand ---------------------------------------------------------------------
    st.header(f"4. Output cell ({row}, {col}) by hand")
    gaps = " (blank: skipped by dilation)" if d > 1 else ""
    g1, g2, g3 = st.columns(3)
    g1.plotly_chart(
        charts.grid_figure(walk.window, f"Input patch{gaps}", like=img), width="stretch", key="conv.g_patch"
    )
    g2.plotly_chart(
        charts.grid_figure(walk.kernel, "Kernel", signed=True), width="stretch", key="conv.g_kernel"
    )
    g3.plotly_chart(
        charts.grid_figure(walk.products, "Patch × kernel, element by element", signed=True),
        width="stretch",
        key="conv.g_products",
    )
    st.markdown(f"**Sum** = {lessons.sum_sentence(walk)}")
    m1, m2, m3 = st.columns(3)
    m1.metric("Sum of the products", fmt(walk.total, 6))
    m2.metric(f"Feature map at ({row}, {col})", fmt(float(out[row, col]), 6))
    m3.metric("Taps reading padding", int(walk.from_padding.sum()))
    show_code(cv.cell_walkthrough)

# 6. Channels -----------------------------------------------------------------------------------
st.header("5. Channels: a colour image and K filters")
st.markdown(
    "A colour image is 3 planes of numbers (red, green, blue). A filter in a conv layer spans all "
    "of them: it is **3 × k × k** numbers, and its output at a cell is the sum over all three planes "
    "of patch times weights, plus one bias. **K filters give K feature maps**, stacked as the next "
    "layer's channels. This section always uses the picture, at the working size above, with the "
    "stride, padding and dilation of section 3."
)
for col, name in zip(st.columns(3, gap="medium"), ("filters", "bank", "bank_size")):
    with col:
        field_widget(ConvView, PREFIX, name)
view = state.read_config(ConvView, PREFIX)
kb = int(view.bank_size)
bank = lessons.filter_bank(view.bank, view.filters, kb)
st.markdown(f"**Parameters**: {lessons.params_sentence(view.filters, 3, kb)}, whatever the image size.")
try:
    maps = cv.layer_maps(
        lessons.channels_first(rgb), bank.weights, bank.bias, s, lessons.padding_of(view, kb), mode, d
    )
except cv.ConvError as err:
    st.error(f"No maps with these settings: {err}.", icon=":material/block:")
else:
    c_rgb, c_f = st.columns([1, 3], gap="medium")
    c_rgb.plotly_chart(charts.rgb_figure(rgb, f"RGB input {rgb.shape[1]}x{rgb.shape[0]}x3"), width="stretch")
    with c_f:
        st.plotly_chart(charts.filters_figure(bank.weights, list(bank.names)), width="stretch")
        st.caption(
            "Each filter: 3 slices, one per colour; red weights add, blue subtract (each on its own scale)."
        )
    titles = [f"{n} ({m.shape[0]}x{m.shape[1]})" for n, m in zip(bank.names, maps)]
    st.plotly_chart(charts.maps_figure(maps, titles), width="stretch", key="conv.maps")
    show_code(
        cv.conv2d_multi,
        cv.layer_maps,
        cv.conv2d_multi_torch,
        lessons.filter_bank,
        note="On this page the maps come from the numpy conv2d_multi (float64). layer_maps hands maps "
        "of more than 256x256 cells to torch's conv2d in float32 (conv2d_multi_torch); the tests check "
        "both against torch.nn.Conv2d.",
    )

# 7. Pooling ------------------------------------------------------------------------------------
st.header("6. Pooling: shrink the feature map")
st.markdown(
    "Pooling slides a window over the feature map of section 3 and keeps one number per stop: the "
    "**largest** (max pooling: *was the feature anywhere here?*) or the **mean** (average pooling). "
    "Nothing to learn; a 2x2 window with stride 2 halves height and width."
)
for col, name in zip(st.columns(3, gap="medium"), ("pool", "pool_size", "pool_stride")):
    with col:
        field_widget(ConvView, PREFIX, name)
view = state.read_config(ConvView, PREFIX)
if out is None:
    st.info("Pooling needs a feature map: fix the settings in section 3 first.")
else:
    size, ps = view.pool_size, view.pool_stride
    st.markdown(
        f"Pooled height: `{cv.formula_text(out.shape[0], size, ps)}`  \n"
        f"Pooled width: `{cv.formula_text(out.shape[1], size, ps)}`"
    )
    try:
        pooled = cv.pool2d(out, size, ps, view.pool)
    except cv.ConvError as err:
        st.error(f"No pooled map: {err}.", icon=":material/block:")
    else:
        prow, pcol = cell_inputs(("pool_row", "pool_col"), pooled.shape)
        pw = cv.pool_walkthrough(out, size, ps, view.pool, prow, pcol)
        c_a, c_b, c_c = st.columns([2, 2, 1], gap="medium")
        c_a.plotly_chart(
            charts.map_figure(out, title="Feature map", window=(pw.rows, pw.cols)),
            width="stretch",
            key="conv.pool_in",
        )
        title = f"{view.pool} pooled {pooled.shape[0]}x{pooled.shape[1]}"
        c_b.plotly_chart(
            charts.map_figure(pooled, (prow, pcol), title, like=out), width="stretch", key="conv.pooled"
        )
        mark = np.zeros(pw.window.shape, dtype=bool)
        mark[pw.argmax] = view.pool == "max"
        c_c.plotly_chart(charts.grid_figure(pw.window, "The window", mark=mark, like=out), width="stretch")
        st.markdown(f"Pooled cell ({prow}, {pcol}) {lessons.pool_sentence(pw)}.")
        show_code(cv.pool2d, cv.pool_walkthrough)

state.publish(state.read_config(ConvView, PREFIX), PREFIX)
