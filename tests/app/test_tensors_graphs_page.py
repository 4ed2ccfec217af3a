"""Tensors & graphs page in AppTest: launches, draws the MLP lab's net, explains bad ops, compiles
and times it against eager, gives TensorFlow's words, exports for TensorBoard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.contract.config import MLPConfig, to_params
from core.tensors_graphs.tf_terms import TinyNet

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def app(last: MLPConfig | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)  # from the entrypoint, so page links resolve
    at.switch_page("pages/5_Tensors_Graphs.py")
    if last is not None:
        at.session_state["mlp._last"] = to_params(last)  # what the MLP lab leaves behind
    return at.run()


def graph_spec(at: AppTest) -> dict:
    """The computation-graph figure's JSON."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(s for s in specs if "Computation graph" in json.dumps(s["layout"].get("title", "")))


def node_labels(spec: dict) -> list[str]:
    return [t for trace in spec["data"] if "text" in trace.get("mode", "") for t in trace["text"]]


def test_launches_with_the_default_mlp_graph_and_explains_bad_ops():
    at = app()
    assert not at.exception
    assert any("default MLP" in i.value and "4 hidden layers of 32 relu" in i.value for i in at.info)
    labels = node_labels(graph_spec(at))
    assert [f"layer{i}.linear: Linear" in labels for i in range(1, 6)] == [True] * 4 + [False]
    assert "output (logits) (4, 2)" in labels and "weight (32, 2)" in labels
    # The node table: one row per fx node, parameters adding up to the model's.
    table = next(d.value for d in at.dataframe if "params" in d.value.columns)
    assert table["params"].sum() == 2 * 32 + 32 + 3 * (32 * 32 + 32) + 32 * 2 + 2
    assert len(at.get("plotly_chart")) >= 4  # matrix, image, batch slices, graph, eager steps
    assert not at.error

    # Invalid operations: a message with torch's rule, never an exception.
    at.text_input(key="tg.reshape").set_value("5, 5")
    at.text_input(key="tg.bshape").set_value("2, 4")
    at.text_input(key="tg.perm").set_value("0, 0, 1").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "cannot reshape (2, 3, 4) (24 elements) to (5, 5)" in errors and "multiply to 24" in errors
    assert "cannot broadcast" in errors and "exactly once" in errors
    at.text_input(key="tg.shape").set_value("lots")
    at.selectbox(key="tg.pick").set_value("type your own").run()
    at.text_input(key="tg.index").set_value("__import__('os')").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "'lots' is not a shape" in errors and "not an index" in errors


def test_draws_the_net_configured_in_the_mlp_lab():
    at = app(MLPConfig(depth=3, width=8, dataset="blobs", batch_norm=True, residual=True))
    assert not at.exception
    assert any("last set up in the MLP lab" in i.value and "3 hidden layers of 8" in i.value for i in at.info)
    labels = node_labels(graph_spec(at))
    assert "layer3.linear: Linear" in labels and "layer4.linear: Linear" not in labels
    assert "layer1.bn: BatchNorm1d" in labels and "add (+)" in labels
    assert "output (logits) (4, 4)" in labels  # blobs has four classes
    # The eager op-by-op table ends at the logits of one point.
    steps = next(d.value for d in at.dataframe if "first values" in d.value.columns)
    assert steps["op"].iloc[-1] == "out" and steps["shape"].iloc[-1] == "(1, 4)"


def test_tensorflow_words_are_counted_from_the_real_graphs():
    at = app(MLPConfig(depth=2, width=4, batch_norm=True))
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts == {
        "placeholder": "1",
        "operation": "7",  # (linear, bn, relu) x 2 + out
        "variable": "8",  # 2 linear weights, 2 x BN weight and bias, out weight and bias
        "variable, not trainable": "4",  # running mean and variance x 2
        "constant": "0",
        "fetch": "1",
    }
    # TF 1's build-then-run on the tiny net: the run's numbers are torch's on the typed point.
    at.number_input(key="tg.tf_x1").set_value(1.5)
    at.number_input(key="tg.tf_x2").set_value(-2.0).run()
    with torch.no_grad():
        y = TinyNet()(torch.tensor([[1.5, -2.0]]))[0]
    build = next(m.value for m in at.markdown if m.value.startswith("**Build**"))
    assert f"y = {[round(v, 4) for v in y.tolist()]}" in build and "recorded 7 nodes" in build
    roles = next(
        d.value for d in at.dataframe if "TensorFlow" in d.value.columns and "node" in d.value.columns
    )
    assert list(roles["TensorFlow"]).count("constant") == 2
    glossary = next(d.value for d in at.dataframe if "meaning" in d.value.columns)
    assert {"tf.Variable", "tf.function", "tf.compat.v1.placeholder", "TensorBoard"} <= set(
        glossary["TensorFlow"]
    )


@pytest.mark.slow
def test_eager_vs_compiled_and_export(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    at = app()
    at.button(key="tg.run").click().run(timeout=300)
    assert not at.exception and not at.error
    assert any(s.value.startswith("Compiled in") for s in at.success)
    summary = next(m.value for m in at.markdown if "calls** per forward pass" in m.value)
    assert "**9 operations**" in summary and "addmm × 5 (= torch.addmm)" in summary
    timings = next(d.value for d in at.dataframe if "speed-up" in d.value.columns)
    assert list(timings["batch N"]) == [16, 256, 4096]
    assert (timings["max |eager − compiled|"] <= 1e-5).all()
    at.button(key="tg.export").click().run()
    assert not at.exception
    assert any("Wrote events.out.tfevents" in s.value for s in at.success)
    assert list((tmp_path / "runs" / "graphs").glob("*/events.out.tfevents.*"))
    assert any(c.value.startswith(f"tensorboard --logdir {tmp_path}") for c in at.code)
