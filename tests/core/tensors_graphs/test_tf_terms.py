"""core.tensors_graphs.tf_terms: TensorFlow's words given to real fx nodes, TF 1's build-then-run done with
torch.fx (stand-ins while building, numbers only when run), variables, the TensorBoard export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import torch
from torch import fx, nn

from core.base import paths
from core.contract.config import MLPConfig
from core.engine.models import count_params
from core.tensors_graphs import graphs, tf_terms


def test_tiny_net_has_every_kind_of_node():
    graph = graphs.trace(tf_terms.TinyNet(), n_in=2, batch=1, output="y")
    assert tf_terms.role_counts(graph) == {
        "input": 1,
        "op": 4,  # matmul, add, relu, mul
        "param": 1,  # W
        "buffer": 0,
        "const": 2,  # 1.0 and 0.5
        "output": 1,
    }
    roles = [(r["node"], r["TensorFlow"]) for r in tf_terms.role_rows(graph)]
    assert ("W (2, 3)", "variable") in roles and ("0.5", "constant") in roles
    assert roles[0] == ("x (input) (1, 2)", "placeholder") and roles[-1][1] == "fetch"


class Recording(nn.Module):
    """Remembers what forward() was called with."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[type] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(type(x))
        return torch.relu(x) * 3


def test_build_then_run_computes_nothing_while_building():
    model = Recording()
    x = torch.tensor([[-1.0, 2.0]])
    done = tf_terms.build_then_run(model, x)
    assert model.seen == [fx.Proxy]  # built once on a stand-in; the run is the graph's own code
    assert done.nodes == len(done.gm.graph.nodes) == 4  # placeholder, relu, mul, output
    assert done.proxies == 3  # x, relu(x), relu(x) * 3
    assert done.output.tolist() == [[0.0, 6.0]]


def test_tiny_net_run_matches_the_formula():
    tiny = tf_terms.TinyNet()
    x = np.array([[0.5, -0.3], [2.0, 1.0]], dtype=np.float32)
    w = np.array([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0]], dtype=np.float32)
    done = tf_terms.build_then_run(tiny, torch.from_numpy(x))
    np.testing.assert_allclose(done.output.numpy(), np.maximum(x @ w + 1.0, 0) * 0.5, rtol=1e-6)
    np.testing.assert_array_equal(tiny.W.detach().numpy(), w)


def test_mlp_roles_and_variables():
    cfg = MLPConfig(depth=3, width=8, batch_norm=True, residual=True)
    model = graphs.lab_model(cfg)
    counts = tf_terms.role_counts(graphs.trace(model))
    assert counts["op"] == 3 * 3 + 1 + 2  # linear, bn, act per layer; out; two residual adds
    assert counts["param"] == 3 + 2 * 3 + 2  # linear weight (no bias with BN), BN weight and bias; out
    assert counts["buffer"] == 2 * 3 and counts["const"] == 0
    rows = tf_terms.variables_rows(model)
    trainable = [r for r in rows if r["TensorFlow"] == "tf.Variable(trainable=True)"]
    assert sum(r["numbers"] for r in trainable) == count_params(model)
    assert len(rows) - len(trainable) == 2 * 3  # running mean and variance per batch norm


def test_data_dir_and_default_graph_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("LAB_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir() == tmp_path / "xdg" / "dl-lab"
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    folder = tf_terms.default_graph_dir(datetime(2024, 5, 6, 7, 8, 9))
    assert folder == tmp_path / "runs" / "graphs" / "20240506-070809"
    assert tf_terms.tensorboard_command(Path("/a b/c")) == "tensorboard --logdir '/a b/c'"


def test_tensorboard_export_writes_the_graph(monkeypatch, tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    folder = tf_terms.default_graph_dir()
    cfg = MLPConfig(depth=3, width=16, dataset="blobs", batch_norm=True)
    event = tf_terms.export_tensorboard(graphs.lab_model(cfg), folder)
    assert event.parent == folder and folder.is_relative_to(tmp_path)
    assert event.name.startswith("events.out.tfevents.")
    graph_defs = [e.graph_def for e in EventFileLoader(str(event)).Load() if e.graph_def]
    assert len(graph_defs) == 1
    assert b"layer3" in graph_defs[0] and b"out" in graph_defs[0]  # the net's layers, by name
