"""Tensors & graphs: tensors of rank 0-4, the MLP's computation graph, eager vs graph, devices."""

import streamlit as st
import torch

from core import devices as hw
from core import graphs, tensors
from core.config import MLPConfig, from_params
from ui import graph_charts as charts
from ui import state
from ui.code import show_code

st.set_page_config(page_title="Tensors & graphs", page_icon="🧮", layout="wide")
state.setup()
SIZES = (16, 256, 4096)  # batch sizes timed: all >= 2, so one dynamic compile serves them all


def attempt(expr: str, op) -> torch.Tensor | None:  # noqa: ANN001 - a zero-argument tensor op
    """Run a tensor op and show its result, or torch's rule in words when it is invalid."""
    try:
        out = op()
    except tensors.TensorOpError as err:
        st.error(f"`{expr}` is not valid: {err}", icon=":material/block:")
        return None
    st.code(f"{expr}\n# {tensors.describe(out)}\n{out!r}", language="python")
    return out


# 1. Tensors -------------------------------------------------------------------------------
st.title("Tensors & graphs")
st.markdown(
    "Everything a net computes is a **tensor**: an array with any number of axes (its *rank*). "
    "A net is a **graph** of operations on tensors. Below: tensors of each rank, the operations "
    "that change their shape, the graph of the net you configured in the MLP lab, the two ways "
    "torch can run it, and the hardware it runs on."
)
st.header("1. Tensors of rank 0 to 4")
examples = tensors.rank_examples()
for tab, ex in zip(st.tabs([f"rank {e.rank}: {e.name}" for e in examples]), examples):
    with tab:
        axes = f"axes {' x '.join(ex.axes)}" if ex.axes else "no axes"
        st.markdown(f"**{tensors.describe(ex.tensor)}**; {axes}. {ex.note[0].upper()}{ex.note[1:]}.")
        if ex.rank <= 1:
            st.code(repr(ex.tensor), language="python")
        else:
            fig = {2: charts.matrix_figure, 3: charts.image_figure, 4: charts.slices_figure}[ex.rank]
            st.plotly_chart(fig(ex.tensor), width="stretch", key=f"tg.rank{ex.rank}")
show_code(tensors.rank_examples)

st.subheader("Change a tensor's shape")
st.markdown(
    "Start from `t = torch.arange(n).reshape(shape)`: each value is the element's position in "
    "memory, so you can follow where it moves. Type shapes and indices as numbers."
)
shape_text = st.text_input("Shape of t", "2, 3, 4", key="tg.shape", help="whole numbers, e.g. 2, 3, 4")
try:
    t = tensors.playground(tensors.parse_shape(shape_text, allow_infer=False))
except tensors.TensorOpError as err:
    st.error(f"{err}; using (2, 3, 4).", icon=":material/block:")
    t = tensors.playground((2, 3, 4))
st.code(f"t  # {tensors.describe(t)}\n{t!r}", language="python")
reshape_tab, permute_tab, broadcast_tab, index_tab = st.tabs(["reshape", "permute", "broadcast", "index"])
with reshape_tab:
    target = st.text_input("New shape (one size may be -1)", "4, -1", key="tg.reshape")
    attempt(f"t.reshape({target})", lambda: tensors.reshape(t, tensors.parse_shape(target)))
    st.caption("Reshape reads the elements in order and refills the new shape: the count must match.")
with permute_tab:
    order = st.text_input(
        "New order of the axes", ", ".join(map(str, reversed(range(t.dim())))), key="tg.perm"
    )
    out = attempt(f"t.permute({order})", lambda: tensors.permute(t, tensors.parse_shape(order)))
    if out is not None:
        st.caption(
            f"Permute moves no data, it reorders the strides (elements skipped per step on each axis): "
            f"{t.stride()} → {out.stride()}. Contiguous now: {out.is_contiguous()}; when False, "
            "`.view()` fails and `.reshape()` copies. `t.transpose(0, 1)` swaps just two axes."
        )
with broadcast_tab:
    b_text = st.text_input("Shape of b (b = 100 × arange)", "3, 1", key="tg.bshape")
    try:
        b_shape = tensors.parse_shape(b_text, allow_infer=False)
        st.dataframe(tensors.broadcast_table(tuple(t.shape), b_shape), hide_index=True)
        b, total = tensors.broadcast_add(t, b_shape)
        st.code(f"b\n{b!r}\n\nt + b\n# {tensors.describe(total)}\n{total!r}", language="python")
    except tensors.TensorOpError as err:
        st.error(f"`t + b` is not valid: {err}", icon=":material/block:")
    st.caption("Shapes line up from the right; each axis must match, be 1 (repeated) or be missing.")
with index_tab:
    masks = tensors.mask_examples(t)
    picks = ["type your own", "0", "0, 1:3", "..., -1", ":, None, 0", "[0, 1], 0", *masks]
    label = lambda p: p if p == picks[0] or p in masks else f"t[{p}]"  # noqa: E731
    pick = st.selectbox("Index", picks, index=2, key="tg.pick", format_func=label)
    if pick in masks:
        st.code(f"{pick}  # a boolean mask picks elements: always rank 1\n{masks[pick]!r}", language="python")
    else:
        text = st.text_input("t[ ... ]", "1, ::2", key="tg.index") if pick == picks[0] else pick
        attempt(f"t[{text}]", lambda: tensors.index(t, tensors.parse_index(text)))
    st.caption("An integer removes its axis, a slice keeps it, None inserts a new axis of size 1.")
show_code(tensors.reshape, tensors.broadcast_rows, tensors.parse_index)

# 2. The computation graph -------------------------------------------------------------------
st.header("2. The computation graph")
last = st.session_state.get("mlp._last")
cfg, _ = from_params(MLPConfig, last or {})
which = (
    "the net you last set up in the MLP lab" if last else "the default MLP (you have not opened the MLP lab)"
)
st.info(f"Showing {which}: {graphs.describe_model(cfg)}; untrained, in eval mode.", icon=":material/hub:")
st.page_link("pages/3_MLP_Lab.py", label="Change it in the MLP lab", icon=":material/tune:")
model = graphs.lab_model(cfg)
graph = graphs.trace(model)
st.markdown(
    "`torch.fx` reads `forward()` once with stand-in values and writes down every operation; a "
    "real batch of N = 4 points then flows through to record each tensor's shape, (N, features). "
    "Squares are operations, orange dots the learned weights feeding them. Hover a node."
)
fig = charts.graph_figure(graph, graphs.layered_layout(graph))
st.plotly_chart(fig, width="stretch", key="tg.graph")
st.dataframe(graph.table(), hide_index=True, width="stretch")
n_params = sum(r["params"] for r in graph.table())
st.caption(f"The graph as a table, one row per fx node: {n_params:,} parameters in all.")
with st.expander("The graph written back as Python (GraphModule.code)"):
    st.code(graph.gm.code, language="python")
show_code(graphs.trace, graphs.layered_layout)

# 3. Eager vs graph --------------------------------------------------------------------------
st.header("3. Eager vs graph")
st.markdown(
    "**Eager** PyTorch runs each operation the moment Python reaches it, so every intermediate "
    "tensor exists and can be looked at. Here one point goes through the net, op by op:"
)
c1, c2 = st.columns(2)
x1 = c1.number_input("x₁", -3.0, 3.0, 0.5, key="tg.x1")
x2 = c2.number_input("x₂", -3.0, 3.0, -0.3, key="tg.x2")
steps, _ = graphs.eager_steps(graph.gm, torch.tensor([[x1, x2]]))
st.plotly_chart(charts.steps_figure(steps), width="stretch", key="tg.steps")
st.dataframe(graphs.step_rows(steps), hide_index=True, width="stretch")
st.markdown(
    "**Graph mode** hands the whole graph to a compiler first: `torch.compile` fuses small ops "
    "and generates C++ for the CPU (kernels on a GPU), so Python no longer steps through each op. "
    "On this small net on one CPU thread expect little gain: the matrix multiplies dominate and run "
    "the same library code either way. Compiling pays off with many small ops (batch norm, GELU), "
    "on GPUs, where every op is a kernel launch, and over long training runs."
)
mode = st.radio(
    "Graph mode",
    ["torch.compile", "torch.fx"],
    horizontal=True,
    key="tg.mode",
    captions=["compiled by inductor: 20-90 s the first time", "the traced GraphModule: instant"],
)
if st.button("Run eager and graph mode", type="primary", key="tg.run"):
    cache = st.session_state.get("tg.compiled")  # one compiled net per session, reused until it changes
    if cache is None or cache[0] != (graphs.model_key(cfg), mode):
        with st.spinner("Compiling (tens of seconds)..." if mode == "torch.compile" else "Tracing..."):
            built = graphs.graph_mode(model, SIZES, use_compile=mode == "torch.compile")
        cache = st.session_state["tg.compiled"] = ((graphs.model_key(cfg), mode), model, built)
    with st.spinner("Timing..."):
        timings = graphs.compare(cache[1], cache[2].module, SIZES, budget_s=1.2)
    st.session_state["tg.timings"] = (graphs.model_key(cfg), cache[2], timings)
done = st.session_state.get("tg.timings")
if done is not None and done[0] == graphs.model_key(cfg):
    _, built, timings = done
    (st.warning if built.note else st.success)(
        f"Graph mode: {built.kind}, ready in {built.seconds:.1f} s. {built.note}"
    )
    st.dataframe(graphs.timing_rows(timings), hide_index=True)
    st.plotly_chart(charts.timing_figure(timings, built.kind), width="stretch", key="tg.timing")
    st.caption(
        f"Largest batch: graph mode takes {timings[-1].graph_s / timings[-1].eager_s:.2f}× eager's time. "
        "Same weights, same inputs: outputs differ at most by float rounding "
        "(fused ops may add in another order)."
    )
show_code(graphs.eager_steps, graphs.graph_mode, graphs.compare)

# 4. Devices --------------------------------------------------------------------------------
st.header("4. Devices")
devices = hw.devices()
st.dataframe(devices, hide_index=True)
if len(devices) == 1:
    st.info(
        "Only the CPU here: torch sees no CUDA GPU and no Apple MPS. On a machine with one, it gets "
        "a row and a curve of its own. The server gives torch one thread, as every session shares it."
    )
if st.button("Time a matrix multiply on each device", key="tg.matmul_run"):
    with st.spinner("Multiplying..."):
        st.session_state["tg.matmul"] = {d.device: hw.matmul_gflops(d.device) for d in devices}
if "tg.matmul" in st.session_state:
    st.plotly_chart(charts.gflops_figure(st.session_state["tg.matmul"]), width="stretch", key="tg.gflops")
    st.caption(
        "An n x n product is 2n³ floating-point operations. Small matrices cannot keep the hardware "
        "busy; a GPU needs large ones to pull ahead. Sizes that would take past ~2 s are left out."
    )
show_code(hw.matmul_gflops)

# 5. TensorBoard ----------------------------------------------------------------------------
st.header("5. Export the graph for TensorBoard")
folder = st.session_state.setdefault("tg.tb_dir", str(graphs.default_graph_dir()))
st.markdown(
    f"`SummaryWriter.add_graph` traces the net and writes it to `{folder}` (`LAB_DATA_DIR` moves it)."
)
if st.button("Export graph", key="tg.export"):
    try:
        event = graphs.export_tensorboard(model, folder)
        st.success(f"Wrote {event.name}. View it with:", icon=":material/check_circle:")
        st.code(graphs.tensorboard_command(folder), language="bash")
    except OSError as err:
        st.error(
            f"Could not write to {folder}: {err.strerror or err}. Set LAB_DATA_DIR to a writable folder."
        )
show_code(graphs.export_tensorboard)
