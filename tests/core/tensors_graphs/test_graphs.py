"""core.tensors_graphs.graphs: the traced graph matches the model, node for node and shape for
shape; the layout."""

from __future__ import annotations

import threading

import pytest
import torch
from torch import nn

from core.contract.config import MLPConfig
from core.engine.models import count_params
from core.tensors_graphs import graphs
from core.tensors_graphs.graphs import SIDE

DEFAULT = MLPConfig()
RICH = MLPConfig(
    depth=3, width=16, dataset="blobs", batch_norm=True, residual=True, dropout=0.2, activation="tanh"
)


@pytest.fixture(scope="module", params=[DEFAULT, RICH], ids=["default", "bn-residual-4-classes"])
def case(request):
    model = graphs.lab_model(request.param)
    return request.param, model, graphs.trace(model, batch=5)


def test_every_linear_appears_with_its_weight_shape(case):
    cfg, model, graph = case
    nodes = {n.id: n for n in graph.nodes}
    into = {(e.src, e.dst): e for e in graph.edges}
    linears = {name: m for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    assert len(linears) == cfg.depth + 1
    for name, lin in linears.items():
        op = next(n for n in graph.nodes if n.op == "call_module" and n.target == name)
        weight = nodes[f"{name}.weight"]
        assert weight.kind == "param" and weight.shape == tuple(lin.weight.shape)
        assert into[(weight.id, op.id)].shape == (lin.out_features, lin.in_features)
        assert op.shape == (5, lin.out_features)  # (N, out) after this layer
        assert op.n_params == sum(p.numel() for p in lin.parameters())
        assert (f"{name}.bias" in nodes) == (lin.bias is not None)  # BN replaces the bias


def test_output_is_batch_by_classes_and_params_add_up(case):
    cfg, model, graph = case
    classes = 4 if cfg.dataset == "blobs" else 2
    out = next(n for n in graph.nodes if n.kind == "output")
    assert out.shape == (5, classes)
    assert out.shape == tuple(model(torch.zeros(5, 2)).shape)
    assert sum(row["params"] for row in graph.table()) == count_params(model) == graph.n_params
    assert [n.kind for n in graph.nodes].count("input") == 1


def test_edges_carry_the_shape_of_their_source(case):
    _, _, graph = case
    nodes = {n.id: n for n in graph.nodes}
    for e in graph.edges:
        assert e.src in nodes and e.dst in nodes
        assert e.shape == nodes[e.src].shape


def test_residual_adds_and_identity_leaves_no_node():
    graph = graphs.trace(graphs.lab_model(RICH))
    adds = [n for n in graph.nodes if n.op == "call_function" and n.target == "add"]
    assert len(adds) == RICH.depth - 1  # the first block changes the width (2 -> 16): no skip
    assert not any("drop" in n.target for n in graph.nodes)  # eval-mode dropout is traced away
    buffers = [n for n in graph.nodes if n.kind == "buffer"]
    assert len(buffers) == 2 * RICH.depth  # running mean and variance per batch norm
    plain = graphs.trace(graphs.lab_model(MLPConfig(activation="linear", depth=2)))
    assert [n.target for n in plain.nodes if n.kind == "op"] == ["layer1.linear", "layer2.linear", "out"]


def test_layout_points_every_data_edge_down_and_bends_skips(case):
    _, _, graph = case
    layout = graphs.layered_layout(graph)
    kind = {n.id: n.kind for n in graph.nodes}
    assert set(layout.pos) == {n.id for n in graph.nodes}
    assert len(layout.paths) == len(layout.label_at) == len(graph.edges)
    for e, (xs, ys) in zip(graph.edges, layout.paths):
        (x0, y0), (x1, y1) = layout.pos[e.src], layout.pos[e.dst]
        assert (xs[0], ys[0], xs[-1], ys[-1]) == (x0, y0, x1, y1)
        if kind[e.src] in SIDE:
            assert y0 == y1 + 0.5 and x0 > x1  # half a row above, to the right of its consumer
        else:
            assert y0 > y1  # top to bottom
            assert len(xs) == (4 if y0 - y1 > 1.5 else 2)  # skip edges bend out to the left
    assert layout.n_rows == len({y for n, (_x, y) in layout.pos.items() if kind[n] not in SIDE})


def test_model_key_and_description():
    assert graphs.model_key(DEFAULT) == graphs.model_key(MLPConfig(lr=0.5, epochs=3))
    assert graphs.model_key(DEFAULT) != graphs.model_key(MLPConfig(depth=5))
    text = graphs.describe_model(RICH)
    assert "3 hidden layers of 16 tanh units" in text and "batch norm" in text and "4 classes" in text


class Scaled(nn.Module):
    """A get_attr parameter, a plain tensor constant and literal numbers, in one forward."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.ones(2, 3))
        self.register_buffer("shift", torch.full((3,), 0.25))
        self.scale = torch.tensor(2.0)  # neither parameter nor buffer: a constant

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.w + self.shift) * self.scale - 1


def test_attributes_and_literals_become_variable_buffer_and_constant_nodes():
    graph = graphs.trace(Scaled(), n_in=2, batch=3, output="y")
    kinds = {n.label: n.kind for n in graph.nodes}
    assert kinds["w (2, 3)"] == "param" and kinds["shift (3,)"] == "buffer"
    assert [n.kind for n in graph.nodes if n.op == "get_attr"] == ["param", "buffer", "const"]
    literal = [n for n in graph.nodes if n.kind == "const" and not n.fx]
    assert [n.label for n in literal] == ["1"]  # the "- 1"
    sub = next(n for n in graph.nodes if n.target == "sub")
    assert any(e.src == literal[0].id and e.dst == sub.id for e in graph.edges)
    assert graph.n_params == 6 and next(n for n in graph.nodes if n.kind == "output").shape == (3, 3)
    assert "output (y) (3, 3)" in kinds


class _CallsAnotherThread(nn.Module):
    """While it is traced, runs another model in another thread, as a second visitor's page
    does in the same server, and keeps what that thread got (or the error it raised). A second
    thread starts a trace of its own meanwhile (it finishes after this one)."""

    def __init__(self, other: nn.Module, seen: dict) -> None:
        super().__init__()
        self.lin, self.seen = nn.Linear(2, 3), seen
        self.outside = [other]  # not a submodule: another visitor's model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def visitor() -> None:
            try:
                self.seen["y"] = self.outside[0](torch.ones(1, 2))
            except Exception as err:  # noqa: BLE001 - the test reports what the thread met
                self.seen["error"] = err

        def tracer() -> None:
            self.seen["graph"] = graphs.trace(graphs.lab_model(MLPConfig(depth=2, width=4)))

        t = threading.Thread(target=visitor)
        t.start()
        t.join()
        self.seen["second"] = threading.Thread(target=tracer)
        self.seen["second"].start()
        return self.lin(x)


def test_a_trace_leaves_other_threads_models_alone():
    """fx patches nn.Module.__call__ for the whole process while it traces: another thread's
    model must run as usual meanwhile (fx's own tracer raises NameError there), and a second
    trace started meanwhile waits its turn and comes out whole."""
    other = graphs.lab_model(MLPConfig(depth=2, width=4))
    expected = other(torch.ones(1, 2))
    seen: dict = {}
    outer = graphs.trace(_CallsAnotherThread(other, seen), n_in=2)
    seen["second"].join(30)

    assert "error" not in seen, seen.get("error")
    assert torch.equal(seen["y"], expected)
    alone = graphs.trace(graphs.lab_model(MLPConfig(depth=2, width=4)))
    assert [(n.label, n.shape) for n in seen["graph"].nodes] == [(n.label, n.shape) for n in alone.nodes]
    assert any(n.target == "lin" for n in outer.nodes)


def test_fx_own_tracer_does_trace_other_threads_calls():
    """The failure the tracer above prevents, shown with fx's plain tracer: the other thread's
    call lands in the trace and fails."""
    other = graphs.lab_model(MLPConfig(depth=2, width=4))
    seen: dict = {}

    class Plain(_CallsAnotherThread):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            def visitor() -> None:
                try:
                    self.seen["y"] = self.outside[0](torch.ones(1, 2))
                except Exception as err:  # noqa: BLE001
                    self.seen["error"] = err

            t = threading.Thread(target=visitor)
            t.start()
            t.join()
            return self.lin(x)

    torch.fx.Tracer().trace(Plain(other, seen))
    assert isinstance(seen.get("error"), NameError)
