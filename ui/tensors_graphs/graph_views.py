"""Sections 2, 3, 5 and 6 of Tensors & graphs: the MLP lab's net as a graph, run op by op and
compiled (eager vs torch.compile timed), the devices, and the TensorBoard export."""

from __future__ import annotations

import functools

import streamlit as st
import torch
from torch import nn

from core.base.i18n import _, language, ngettext
from core.contract.config import MLPConfig, from_params
from core.engine import devices as hw
from core.tensors_graphs import graph_runs as runs
from core.tensors_graphs import graphs, tf_terms
from core.tensors_graphs.graphs import ModelGraph
from ui.common.code import show_code
from ui.common.plot import chart, once
from ui.tensors_graphs import graph_charts as charts

SIZES = (16, 256, 4096)  # batch sizes timed: all >= 2, so one dynamic compile serves them all


def lab_net() -> tuple[MLPConfig, nn.Module, ModelGraph]:
    """The net last set up in the MLP lab (or the default), said in words, and its traced graph."""
    last = st.session_state.get("mlp._last")
    cfg, _notices = from_params(MLPConfig, last or {})
    text = (
        _("Showing the net you last set up in the MLP lab: {net}; untrained, in eval mode.")
        if last
        else _("Showing the default MLP (you have not opened the MLP lab): {net}; untrained, in eval mode.")
    )
    st.info(text.format(net=graphs.describe_model(cfg)), icon=":material/hub:")
    st.page_link("pages/3_MLP_Lab.py", label=_("Change it in the MLP lab"), icon=":material/tune:")
    return cfg, graphs.lab_model(cfg), traced(language(), cfg)


@functools.lru_cache(maxsize=32)
def traced(lang: str, cfg: MLPConfig) -> ModelGraph:
    """The traced graph of cfg's untrained net, labelled in `lang`: once per net and language in
    this server (a class opens the page with the same default net); only read from then on. Its
    GraphModule holds its own copy of the net: the same seeded weights as lab_model(cfg)."""
    return graphs.trace(graphs.lab_model(cfg))


@once
def graph_figure(cfg: MLPConfig) -> object:
    """The drawing of traced(cfg), built once per net and language."""
    graph = traced(language(), cfg)
    return charts.graph_figure(graph, graphs.layered_layout(graph))


def graph_chart(cfg: MLPConfig, graph: ModelGraph) -> None:
    """cfg's graph drawn, as a table, and as the Python fx writes back."""
    chart(st, graph_figure(cfg), key="tg.graph")
    st.dataframe(graph.table(), hide_index=True, width="stretch", height="content")
    st.caption(
        _("The graph as a table, one row per fx node: {n} parameters in all.").format(n=f"{graph.n_params:,}")
    )
    show_code(graphs.trace, graphs.layered_layout)


def eager_run(graph: ModelGraph) -> None:
    """One typed point through the graph, op by op, every intermediate value kept."""
    c1, c2 = st.columns(2)
    x1 = c1.number_input("x₁", -3.0, 3.0, 0.5, key="tg.x1")
    x2 = c2.number_input("x₂", -3.0, 3.0, -0.3, key="tg.x2")
    steps, _out = runs.eager_steps(graph.gm, torch.tensor([[x1, x2]]))
    st.plotly_chart(charts.steps_figure(steps), width="stretch", key="tg.steps")
    st.dataframe(runs.step_rows(steps), hide_index=True, width="stretch")
    show_code(runs.eager_steps)


def fx_code(graph: ModelGraph) -> None:
    """The GraphModule's forward(): Python that calls the same ops, one by one."""
    with st.expander(_("The graph written back as Python (GraphModule.code)")):
        st.code(graph.gm.code, language="python")


def compiled_run(cfg: MLPConfig, model: nn.Module, graph: ModelGraph) -> None:
    """Compile on a click (once per net per session), then time eager against compiled."""
    key = graphs.model_key(cfg)
    if st.button(_("Compile with torch.compile and time both"), type="primary", key="tg.run"):
        held = st.session_state.get("tg.compiled")  # one compiled net per session, reused until it changes
        if held is None or held[0] != key or held[2].module is None:
            with st.spinner(_("Compiling (the first time takes tens of seconds on a CPU)...")):
                held = st.session_state["tg.compiled"] = (key, model, runs.compile_model(model, SIZES))
        if held[2].module is not None:
            with st.spinner(_("Timing...")):
                timings = runs.compare(held[1], held[2].module, SIZES, budget_s=1.2)
            st.session_state["tg.timings"] = (key, timings)
    held = st.session_state.get("tg.compiled")
    if held is None or held[0] != key:
        return
    built = held[2]
    if built.module is None:
        st.error(
            _(
                "torch.compile could not compile this net here ({error}). Nothing is timed: the fx "
                "GraphModule runs the same ops as eager, one by one, so timing it would show only noise."
            ).format(error=built.error),
            icon=":material/block:",
        )
        return
    st.success(
        _("Compiled in {s} s: the first call compiles, later calls reuse it.").format(
            s=f"{built.seconds:.1f}"
        )
    )
    _kernels(graph, built)
    done = st.session_state.get("tg.timings")
    if done is not None and done[0] == key:
        timings = done[1]
        st.dataframe(runs.timing_rows(timings), hide_index=True)
        st.plotly_chart(charts.timing_figure(timings), width="stretch", key="tg.timing")
        diff = max(t.max_diff for t in timings)
        same = (
            _("the outputs are identical")
            if diff == 0
            else _("the outputs differ by at most {diff} (fused ops may round in another order)").format(
                diff=f"{diff:.2g}"
            )
        )
        st.caption(
            _(
                "Largest batch (N = {n}): compiled takes {ratio}× eager's time. "
                "Same weights, same inputs: {same}."
            ).format(
                n=timings[-1].batch, ratio=f"{timings[-1].compiled_s / timings[-1].eager_s:.2f}", same=same
            )
        )
    show_code(runs.compile_model, runs.kernel_summary, runs.compare)


def _kernels(graph: ModelGraph, built: runs.Compiled) -> None:
    """What Inductor generated, counted from its code."""
    if not built.code:
        st.caption(_("This torch version did not hand over the generated code, so it is not counted here."))
        return
    summary = runs.kernel_summary(built.code)
    ops = sum(1 for n in graph.nodes if n.kind == "op")
    library = ", ".join(
        f"{name} × {n}" + (f" (= torch.{name})" if runs.library_is_torch(name) else "")
        for name, n in summary.library.items()
    )
    generated = ", ".join(f"{name} × {n}" for name, n in summary.generated.items())
    st.markdown(
        ngettext(
            "The graph's **{ops} operations** run as **{calls} calls** per forward pass: library "
            "routines {library}, the same ones eager calls; and {kinds} generated kernel, called "
            "{generated}, doing the element-wise ops its name lists in one pass.",
            "The graph's **{ops} operations** run as **{calls} calls** per forward pass: library "
            "routines {library}, the same ones eager calls; and {kinds} generated kernels, called "
            "{generated}, each doing the element-wise ops its name lists in one pass.",
            len(summary.generated),
        ).format(
            ops=ops,
            calls=summary.calls,
            library=library or "–",
            kinds=len(summary.generated),
            generated=generated or "–",
        )
    )
    with st.expander(_("The code torch.compile generated (Python wrapper and kernels)")):
        st.code(built.code, language="python")


def devices_section() -> None:
    """The devices torch sees, and a matrix multiply timed on each."""
    found = hw.devices()
    rows = [{_("device"): d.device, _("name"): d.name, _("detail"): d.detail} for d in found]
    st.dataframe(rows, hide_index=True)
    if len(found) == 1:
        st.info(
            _(
                "Only the CPU here: torch sees no CUDA GPU and no Apple MPS. On a machine with one, it "
                "gets a row and a curve of its own. Torch uses {n} thread(s) in this server, which "
                "every session shares."
            ).format(n=torch.get_num_threads())
        )
    if st.button(_("Time a matrix multiply on each device"), key="tg.matmul_run"):
        with st.spinner(_("Multiplying...")):
            st.session_state["tg.matmul"] = {d.device: hw.matmul_gflops(d.device) for d in found}
    if "tg.matmul" in st.session_state:
        st.plotly_chart(charts.gflops_figure(st.session_state["tg.matmul"]), width="stretch", key="tg.gflops")
        st.caption(
            _(
                "An n x n product is n³ multiplications and n²(n − 1) additions, 2n³ − n² operations, "
                "counted as 2n³ as usual. Small products cannot keep the hardware busy. A size is left "
                "out when a warm-up and 3 repeats at the last size's rate would pass the {s} s budget."
            ).format(s=f"{hw.MATMUL_BUDGET_S:g}")
        )
    show_code(hw.matmul_flops, hw.matmul_gflops)


def tensorboard(model: nn.Module) -> None:
    """Write the graph as a TensorBoard event file, and say how to view it."""
    folder = st.session_state.setdefault("tg.tb_dir", str(tf_terms.default_graph_dir()))
    st.markdown(
        _(
            "`SummaryWriter.add_graph` traces the net (with torch.jit.trace) and writes it to `{folder}` "
            "(`LAB_DATA_DIR` moves it)."
        ).format(folder=folder)
    )
    if st.button(_("Export graph"), key="tg.export"):
        try:
            event = tf_terms.export_tensorboard(model, folder)
            st.success(
                _("Wrote {name}. View it with:").format(name=event.name), icon=":material/check_circle:"
            )
            st.code(tf_terms.tensorboard_command(folder), language="bash")
        except OSError as err:
            st.error(
                _("Could not write to {folder}: {reason}. Set LAB_DATA_DIR to a writable folder.").format(
                    folder=folder, reason=err.strerror or err
                )
            )
    show_code(tf_terms.export_tensorboard)
