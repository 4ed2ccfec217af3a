"""core.tensors_graphs.graph_runs: the op-by-op run ends at the model's output, torch.compile gives the same
numbers and its generated code is counted right, a net Dynamo cannot capture whole is refused
with the reason, timings, devices."""

from __future__ import annotations

import time

import pytest
import torch
from torch import nn

from core.contract.config import MLPConfig
from core.engine import devices as hw
from core.tensors_graphs import graph_runs as runs
from core.tensors_graphs import graphs

DEFAULT = MLPConfig()
RICH = MLPConfig(
    depth=3, width=16, dataset="blobs", batch_norm=True, residual=True, dropout=0.2, activation="tanh"
)


@pytest.fixture(scope="module", params=[DEFAULT, RICH], ids=["default", "bn-residual-4-classes"])
def case(request):
    model = graphs.lab_model(request.param)
    return request.param, model, graphs.trace(model, batch=5)


def test_eager_op_by_op_ends_at_the_models_output(case):
    _cfg, model, graph = case
    x = torch.tensor([[0.5, -0.3]])
    steps, out = runs.eager_steps(graph.gm, x)
    with torch.no_grad():
        expected = model(x)
    assert torch.allclose(out, expected, atol=1e-6)
    assert steps[-1].values == pytest.approx(expected.flatten().tolist(), abs=1e-6)
    assert steps[0].values == pytest.approx([0.5, -0.3]) and steps[0].shape == (1, 2)
    first = model.layer1.linear(x).flatten()
    assert steps[1].target == "layer1.linear" and steps[1].values[:4] == pytest.approx(first[:4].tolist())
    assert steps[1].mean == pytest.approx(first.mean().item(), abs=1e-6)
    assert len(steps) == sum(1 for n in graph.nodes if n.kind in ("input", "op"))
    rows = runs.step_rows(steps)
    assert rows[-1]["shape"] == graphs.fmt_shape(tuple(expected.shape))


@pytest.mark.slow
def test_compiled_net_matches_eager_and_its_code_is_counted(case):
    cfg, model, graph = case
    built = runs.compile_model(model, (16, 64))
    assert built.module is not None and built.error == "" and built.seconds > 0
    timings = runs.compare(model, built.module, (3, 64), budget_s=0.2)
    assert [t.batch for t in timings] == [3, 64]
    assert all(t.max_diff <= 1e-5 and t.eager_s > 0 and t.compiled_s > 0 for t in timings)
    row = runs.timing_rows(timings)[0]
    assert row["speed-up"] == pytest.approx(timings[0].eager_s / timings[0].compiled_s)
    # The generated code: one library matrix multiply per Linear, the same routine eager uses,
    # and the element-wise ops in generated kernels, fewer calls than the graph has operations.
    summary = runs.kernel_summary(built.code)
    linears = sum(isinstance(m, nn.Linear) for m in model.modules())
    assert sum(summary.library.values()) == linears
    assert set(summary.library) <= {"addmm", "mm"} and all(runs.library_is_torch(n) for n in summary.library)
    ops = sum(1 for n in graph.nodes if n.kind == "op")
    assert summary.generated and summary.calls <= ops
    if cfg.batch_norm:  # linear -> BN -> tanh (-> + x): BN, tanh and the add in one kernel each
        assert summary.calls < ops
        assert all("batch_norm" in k and "tanh" in k for k in summary.generated)
        assert any("add" in k for k in summary.generated)


class GraphBreak(nn.Module):
    """A forward Dynamo cannot capture as one graph (an explicit graph break)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        torch._dynamo.graph_break()
        return y + 1


def test_a_net_that_cannot_compile_whole_is_refused_with_the_reason():
    built = runs.compile_model(GraphBreak(), (4, 8))
    assert built.module is None and built.code == ""
    assert built.error.startswith("Unsupported:") and "graph_break" in built.error
    assert "\n" not in built.error


def test_median_seconds_times_each_function():
    calls = []
    a, b = runs.median_seconds(lambda: time.sleep(0.004), lambda: calls.append(1), budget_s=0.05)
    assert 0.003 < a < 0.05 and b < a
    assert len(calls) >= 2  # one warm-up call and at least one timed call
    (slow,) = runs.median_seconds(lambda: time.sleep(0.03), budget_s=0.0)
    assert slow >= 0.025  # one timed repeat even when the budget is spent


def test_devices_list_the_cpu():
    devices = hw.devices()
    assert devices[0].device == "cpu" and "thread" in devices[0].detail
    assert ("cuda:0" in [d.device for d in devices]) == torch.cuda.is_available()


def test_matmul_flops_counted_by_hand_and_the_benchmark_keeps_to_its_budget():
    for n in (1, 2, 3, 5):  # a naive product, counting every multiplication and addition
        mults = adds = 0
        for _i in range(n):
            for _j in range(n):
                mults += n
                adds += n - 1
        assert (mults, adds) == (n**3, n**2 * (n - 1))
        assert hw.matmul_flops(n) == 2 * n**3 == mults + adds + n**2  # 2n³ counts n² more than done
    points = hw.matmul_gflops("cpu", sizes=(32, 64), budget_s=0.3)
    assert [n for n, _r in points] == [32, 64] and all(r > 0 for _n, r in points)
    start = time.perf_counter()
    points = hw.matmul_gflops("cpu", sizes=(64, 8192), budget_s=0.2)  # 8192: ~1e12 flops
    assert [n for n, _r in points] == [64]
    assert time.perf_counter() - start < 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_matmul_on_the_gpu_and_compiled_net_on_the_gpu():
    points = hw.matmul_gflops("cuda:0", sizes=(256, 1024), budget_s=1.0)
    assert [n for n, _r in points] == [256, 1024] and all(r > 0 for _n, r in points)
    model = graphs.lab_model(RICH).cuda()
    built = runs.compile_model(model, (16, 64), device="cuda")
    assert built.module is not None, built.error
    x = torch.randn(64, 2, device="cuda")
    with torch.no_grad():
        assert (built.module(x) - model(x)).abs().max().item() <= 1e-4
    summary = runs.kernel_summary(built.code)
    assert summary.generated and all(k.startswith("triton") for k in summary.generated)
