"""Section 4 of Tensors & graphs: TensorFlow's words, each tied to a real PyTorch object here.

TensorFlow is not installed: its code is shown as text; the PyTorch side runs."""

from __future__ import annotations

import functools

import streamlit as st
import torch
from torch import nn

from core.base.i18n import _, language
from core.tensors_graphs import graphs, tf_terms
from core.tensors_graphs.graphs import ModelGraph
from ui.common.code import show_code
from ui.common.plot import chart, once
from ui.tensors_graphs import graph_charts as charts


@functools.lru_cache(maxsize=4)
def tiny_graph(lang: str) -> ModelGraph:
    """TinyNet's traced graph, labelled in `lang`: the same for everyone, traced once."""
    return graphs.trace(tf_terms.TinyNet(), n_in=2, batch=1, output="y")


@once
def tiny_figure() -> object:
    """The drawing of tiny_graph, built once per language."""
    graph = tiny_graph(language())
    title = _("y = relu(x @ W + 1) * 0.5: every kind of node")
    return charts.graph_figure(graph, graphs.layered_layout(graph), title=title)


def _tf1_code(w: list[list[float]]) -> str:
    """TensorFlow 1's version of TinyNet, its weights filled in (shown, never run)."""
    comment = _("TensorFlow 1: build the graph, then run it in a Session (not run here)")
    return (
        f"# {comment}\n"
        "import tensorflow.compat.v1 as tf\n"
        "tf.disable_eager_execution()\n"
        "x = tf.placeholder(tf.float32, shape=[None, 2])  # placeholder\n"
        f"W = tf.Variable({w})  # variable\n"
        "y = tf.nn.relu(tf.matmul(x, W) + 1.0) * 0.5  # adds nodes (two constants); computes nothing\n"
        "with tf.Session() as sess:\n"
        "    sess.run(tf.global_variables_initializer())\n"
        "    print(sess.run(y, feed_dict={x: [[x1, x2]]}))  # run: feed x, fetch y\n"
    )


def build_then_run() -> None:
    """TinyNet built with torch.fx (stand-ins, no numbers), then run on a typed point."""
    tiny = tf_terms.TinyNet()
    c1, c2 = st.columns(2)
    x1 = c1.number_input("x₁", -3.0, 3.0, 0.5, key="tg.tf_x1")
    x2 = c2.number_input("x₂", -3.0, 3.0, -0.3, key="tg.tf_x2")
    x = torch.tensor([[x1, x2]])
    done = tf_terms.build_then_run(tiny, x)
    st.code(_tf1_code(tiny.W.tolist()), language="python")
    comment = _("PyTorch, run here: build with torch.fx, then call the graph")
    build = "gm = torch.fx.symbolic_trace(TinyNet())  # build"
    run = f"y = gm(torch.tensor([[{x1:g}, {x2:g}]]))  # run"
    st.code(f"# {comment}\n{build}\n{run}", language="python")
    st.markdown(
        _(
            "**Build**: forward() ran once on {proxies} stand-ins (torch.fx.Proxy) and recorded "
            "{nodes} nodes; no number was computed. **Run**: y = {y}. Eager PyTorch gives the same: "
            "TinyNet()(x) = {eager}."
        ).format(
            proxies=done.proxies,
            nodes=done.nodes,
            y=[round(v, 4) for v in done.output[0].tolist()],
            eager=[round(v, 4) for v in tiny(x)[0].tolist()],
        )
    )
    chart(st, tiny_figure(), key="tg.tf_graph")
    st.dataframe(
        tf_terms.role_rows(tiny_graph(language())), hide_index=True, width="stretch", height="content"
    )
    show_code(tf_terms.TinyNet, tf_terms.build_then_run)


def lab_roles(graph: ModelGraph, model: nn.Module) -> None:
    """The MLP's graph counted in TensorFlow's words, and its parameters as variables."""
    counts = tf_terms.role_counts(graph)
    for col, (kind, n) in zip(st.columns(len(counts)), counts.items()):
        col.metric(_(tf_terms.ROLES[kind]), n)
    with st.expander(_("Every node of the MLP's graph with TensorFlow's word for it")):
        st.dataframe(tf_terms.role_rows(graph), hide_index=True, width="stretch", height="content")
    rows = tf_terms.variables_rows(model)
    st.dataframe(rows, hide_index=True, width="stretch", height="content")
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    st.caption(
        _(
            "{n} parameters hold {numbers} trainable numbers: each an nn.Parameter (requires_grad=True), "
            "which Keras would create as a tf.Variable. Batch norm's running statistics, when the net "
            "has them, are buffers: updated in training but not by gradients, as Keras' "
            "non-trainable variables."
        ).format(n=len(list(model.parameters())), numbers=f"{trainable:,}")
    )
    show_code(tf_terms.role_counts, tf_terms.variables_rows)


def glossary() -> None:
    """Every TensorFlow term with PyTorch's name and the meaning."""
    rows = [
        {_("TensorFlow"): _(t.tf), _("PyTorch"): _(t.torch), _("meaning"): _(t.meaning)}
        for t in tf_terms.TERMS
    ]
    st.dataframe(rows, hide_index=True, width="stretch", height="content")
