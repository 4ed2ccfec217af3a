"""Tensors & graphs: tensors of rank 0-4, the MLP's computation graph, eager vs compiled,
TensorFlow's words for the same things, devices, TensorBoard."""

import streamlit as st

from core.base.i18n import _
from ui.common import state
from ui.tensors_graphs import graph_views, tensor_views, tf_views

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Tensors & graphs"), page_icon="🧮", layout="wide")

st.title(_("Tensors & graphs"))
st.markdown(
    _(
        "Everything a net computes is a **tensor**: an array with any number of axes (its *rank*). "
        "A net is a **graph** of operations on tensors. Below: tensors of each rank, the operations "
        "that change their shape, the graph of the net you configured in the MLP lab, three ways "
        "torch can run it, the same ideas in TensorFlow's words, and the hardware it runs on."
    )
)

# 1. Tensors ---------------------------------------------------------------------------------
st.header(_("1. Tensors of rank 0 to 4"))
tensor_views.rank_tabs()
st.subheader(_("Change a tensor's shape"))
st.markdown(
    _(
        "Start from `t = torch.arange(n).reshape(shape)`: each value is the element's position in "
        "memory, so you can follow where it moves. Type shapes and indices as numbers."
    )
)
tensor_views.playground()

# 2. The computation graph -------------------------------------------------------------------
st.header(_("2. The computation graph"))
cfg, model, graph = graph_views.lab_net()
st.markdown(
    _(
        "`torch.fx` reads `forward()` once with stand-in values and writes down every operation; a "
        "real batch of N = 4 points then flows through to record each tensor's shape, (N, features). "
        "Squares are operations, orange dots the learned weights feeding them (grey rings: batch "
        "norm's running statistics). Hover a node."
    )
)
graph_views.graph_chart(cfg, graph)

# 3. Eager, fx, compiled ----------------------------------------------------------------------
st.header(_("3. Three ways to run it: eager, fx, compiled"))
st.markdown(
    _(
        "**Eager** (PyTorch's default): Python runs each operation the moment it reaches it, so every "
        "intermediate tensor exists and can be looked at. Here one point goes through the net, op by op:"
    )
)
graph_views.eager_run(graph)
st.markdown(
    _(
        "**torch.fx** captured the graph above as data and writes it back as Python code (below). "
        "Calling that GraphModule still runs the same operations one by one, uncompiled: the same "
        "work as eager, so it is not timed here. A graph as data is what tools read and rewrite; "
        "torch.compile starts from one."
    )
)
graph_views.fx_code(graph)
st.markdown(
    _(
        "**torch.compile** compiles the graph: TorchDynamo captures it from the Python code, and "
        "TorchInductor fuses element-wise operations (activation, batch norm, a residual add) into "
        "kernels it generates (C++ on a CPU, Triton on a GPU) and calls a library routine for each "
        "matrix multiply. Fusing saves a pass over memory and a dispatch per fused op; on a GPU every "
        "op is a kernel launch, so it saves launches. The first call compiles; below, what it "
        "generated for this net, and eager and compiled timed on the same inputs."
    )
)
graph_views.compiled_run(cfg, model, graph)

# 4. TensorFlow's words -----------------------------------------------------------------------
st.header(_("4. The same ideas in TensorFlow's words"))
st.markdown(
    _(
        "TensorFlow 1 made you **build** a graph first (placeholders for inputs, variables for "
        "weights, constants, operations) and **run** it later in a Session, feeding inputs and "
        "fetching results. TensorFlow 2 runs **eagerly**, as PyTorch does, and `tf.function` turns a "
        "Python function into a graph, as `torch.compile` does. TensorFlow is not installed here: its "
        "code is shown as text and the PyTorch side runs. Type a point and see both phases:"
    )
)
tf_views.build_then_run()
st.markdown(
    _(
        "In TensorFlow's own graph every node is a `tf.Operation`, constants and placeholders "
        "included (types Const, Placeholder); below, *operation* means a node that computes. The "
        "MLP's graph of section 2, counted in TensorFlow's words, and its weights as variables:"
    )
)
tf_views.lab_roles(graph, model)
st.markdown(_("**Word for word**: each TensorFlow term and PyTorch's name for it."))
tf_views.glossary()

# 5. Devices ---------------------------------------------------------------------------------
st.header(_("5. Devices"))
graph_views.devices_section()

# 6. TensorBoard -----------------------------------------------------------------------------
st.header(_("6. Export the graph for TensorBoard"))
st.markdown(
    _(
        "TensorBoard is TensorFlow's dashboard; it reads the event files PyTorch's "
        "`torch.utils.tensorboard` writes, graph included."
    )
)
graph_views.tensorboard(model)
