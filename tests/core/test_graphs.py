"""core.graphs: the traced graph matches the model, eager and graph runs agree, devices, export."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
import torch
from torch import nn

from core import devices as hw
from core import graphs, paths
from core.config import MLPConfig
from core.models import count_params

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
    assert sum(row["params"] for row in graph.table()) == count_params(model)
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
        if kind[e.src] in ("param", "buffer"):
            assert y0 == y1 + 0.5 and x0 > x1  # half a row above, to the right of its consumer
        else:
            assert y0 > y1  # top to bottom
            assert len(xs) == (4 if y0 - y1 > 1.5 else 2)  # skip edges bend out to the left
    assert layout.n_rows == len({y for n, (_, y) in layout.pos.items() if kind[n] not in ("param", "buffer")})


def test_eager_op_by_op_ends_at_the_models_output(case):
    _, model, graph = case
    x = torch.tensor([[0.5, -0.3]])
    steps, out = graphs.eager_steps(graph.gm, x)
    with torch.no_grad():
        expected = model(x)
    assert torch.allclose(out, expected, atol=1e-6)
    assert steps[-1].values == pytest.approx(expected.flatten().tolist(), abs=1e-6)
    assert steps[0].values == pytest.approx([0.5, -0.3]) and steps[0].shape == (1, 2)
    first = model.layer1.linear(x).flatten()
    assert steps[1].target == "layer1.linear" and steps[1].values[:4] == pytest.approx(first[:4].tolist())
    assert steps[1].mean == pytest.approx(first.mean().item(), abs=1e-6)
    assert len(steps) == sum(1 for n in graph.nodes if n.kind in ("input", "op"))
    rows = graphs.step_rows(steps)
    assert rows[-1]["shape"] == graphs.fmt_shape(tuple(expected.shape))


def test_graph_mode_without_compile_matches_eager(case):
    _, model, _ = case
    built = graphs.graph_mode(model, (16, 256), use_compile=False)
    assert built.kind == "torch.fx" and isinstance(built.module, torch.fx.GraphModule)
    timings = graphs.compare(model, built.module, (3, 64), budget_s=0.2)
    assert [t.batch for t in timings] == [3, 64]
    assert all(t.max_diff <= 1e-5 and t.eager_s > 0 and t.graph_s > 0 for t in timings)
    assert graphs.timing_rows(timings)[0]["speed-up"] == pytest.approx(
        timings[0].eager_s / timings[0].graph_s
    )


def test_failed_compile_falls_back_to_the_fx_graph(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler\nsecond line")

    monkeypatch.setattr(torch, "compile", broken)
    model = graphs.lab_model(DEFAULT)
    built = graphs.graph_mode(model, (16,))
    assert built.kind == "torch.fx"
    assert "torch.compile failed" in built.note and "RuntimeError: no C++ compiler" in built.note
    assert "second line" not in built.note
    x = torch.randn(8, 2)
    with torch.no_grad():
        assert (built.module(x) - model(x)).abs().max().item() <= 1e-5


def test_median_seconds_times_each_function():
    calls = []
    a, b = graphs.median_seconds(lambda: time.sleep(0.004), lambda: calls.append(1), budget_s=0.05)
    assert 0.003 < a < 0.05 and b < a
    assert len(calls) >= 2  # one warm-up call and at least one timed call
    (slow,) = graphs.median_seconds(lambda: time.sleep(0.03), budget_s=0.0)
    assert slow >= 0.025  # one timed repeat even when the budget is spent


def test_devices_list_the_cpu():
    devices = hw.devices()
    assert devices[0].device == "cpu" and "thread" in devices[0].detail
    assert ("cuda:0" in [d.device for d in devices]) == torch.cuda.is_available()


def test_matmul_benchmark_measures_and_keeps_to_its_budget():
    points = hw.matmul_gflops("cpu", sizes=(32, 64), budget_s=0.3)
    assert [n for n, _ in points] == [32, 64] and all(r > 0 for _, r in points)
    start = time.perf_counter()
    points = hw.matmul_gflops("cpu", sizes=(64, 8192), budget_s=0.2)  # 8192: ~1e12 flops
    assert [n for n, _ in points] == [64]
    assert time.perf_counter() - start < 2


def test_data_dir_and_default_graph_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("LAB_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.data_dir() == tmp_path / "xdg" / "dl-lab"
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    folder = graphs.default_graph_dir(datetime(2024, 5, 6, 7, 8, 9))
    assert folder == tmp_path / "runs" / "graphs" / "20240506-070809"
    assert graphs.tensorboard_command(Path("/a b/c")) == "tensorboard --logdir '/a b/c'"


def test_tensorboard_export_writes_the_graph(monkeypatch, tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    folder = graphs.default_graph_dir()
    event = graphs.export_tensorboard(graphs.lab_model(RICH), folder)
    assert event.parent == folder and folder.is_relative_to(tmp_path)
    assert event.name.startswith("events.out.tfevents.")
    graph_defs = [e.graph_def for e in EventFileLoader(str(event)).Load() if e.graph_def]
    assert len(graph_defs) == 1
    assert b"layer3" in graph_defs[0] and b"out" in graph_defs[0]  # the net's layers, by name


def test_model_key_and_description():
    assert graphs.model_key(DEFAULT) == graphs.model_key(MLPConfig(lr=0.5, epochs=3))
    assert graphs.model_key(DEFAULT) != graphs.model_key(MLPConfig(depth=5))
    text = graphs.describe_model(RICH)
    assert "3 hidden layers of 16 tanh units" in text and "batch norm" in text and "4 classes" in text
