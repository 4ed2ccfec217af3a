"""Running the traced graph: op by op (eager), compiled by torch.compile, and the two timed.

Three ways torch can run the same net, and what each really is:
- eager: Python calls each operation as it reaches it (PyTorch's default);
- the fx GraphModule: the captured graph written back as Python code, which still calls the
  same operations one by one, uncompiled (so timing it against eager shows only noise);
- torch.compile: TorchDynamo captures the graph and TorchInductor compiles it, fusing
  element-wise operations into generated kernels (C++ on a CPU, Triton on a GPU) and calling a
  library routine for each matrix multiply.
The comparison is eager against compiled; when compiling fails here the reason is kept instead.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import Tensor, fx, nn

from core.base.i18n import _
from core.engine.devices import median_seconds


@dataclass(frozen=True)
class Step:
    """One node of an eager run: its output's shape, first values and statistics."""

    node: str
    op: str
    target: str
    shape: tuple[int, ...]
    values: list[float]  # the first 64, flattened
    mean: float
    std: float
    lo: float
    hi: float


class _Recorder(fx.Interpreter):
    """Runs the graph one node at a time, exactly like eager PyTorch, keeping every result."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.values: list[tuple[fx.Node, Tensor]] = []

    def run_node(self, n: fx.Node):  # noqa: ANN201 - whatever the node returns
        out = super().run_node(n)
        if isinstance(out, Tensor) and n.op not in ("output", "get_attr"):  # output repeats the last op
            self.values.append((n, out))
        return out


def eager_steps(gm: fx.GraphModule, x: Tensor, keep: int = 64) -> tuple[list[Step], Tensor]:
    """Run x through the graph op by op; each step's value summarised, and the final output."""
    rec = _Recorder(gm)
    with torch.no_grad():
        out = rec.run(x)
    steps = []
    for node, v in rec.values:
        f = v.detach().float().flatten()
        std = f.std().item() if f.numel() > 1 else 0.0  # one value has no spread
        target = node.target if isinstance(node.target, str) else node.target.__name__
        stats = (f.mean().item(), std, f.min().item(), f.max().item())
        steps.append(Step(node.name, node.op, target, tuple(v.shape), f[:keep].tolist(), *stats))
    return steps, out


def step_rows(steps: list[Step]) -> list[dict]:
    """A table of an eager run: op, shape, first values, statistics."""
    from core.tensors_graphs.graphs import fmt_shape

    return [
        {
            _("op"): s.target,
            _("shape"): fmt_shape(s.shape),
            _("first values"): ", ".join(f"{v:.3f}" for v in s.values[:4]),
            _("mean"): s.mean,
            _("std"): s.std,
            _("min"): s.lo,
            _("max"): s.hi,
        }
        for s in steps
    ]


@dataclass
class Compiled:
    """torch.compile's version of a model, how long compiling took, the code it generated,
    or (module None) why it could not compile here."""

    module: Callable[[Tensor], Tensor] | None
    seconds: float
    code: str = ""  # Inductor's generated Python wrapper and kernels ('' when not captured)
    error: str = ""


def compile_model(model: nn.Module, sizes: tuple[int, ...], n_in: int = 2, device: str = "cpu") -> Compiled:
    """torch.compile(model) as one whole graph, warmed up on every batch size (compiling happens
    on the first call), with the code Inductor generated; on any failure, the reason instead."""
    t0 = time.perf_counter()
    try:
        # fullgraph: one graph or an error (no silent fallback to Python between pieces);
        # dynamic: one compiled graph serves every batch size >= 2 instead of one per size.
        compiled = torch.compile(model, dynamic=True, fullgraph=True)
        with torch.no_grad():
            code = _first_call_code(compiled, torch.zeros(sizes[0], n_in, device=device))
            for n in sizes[1:]:
                compiled(torch.zeros(n, n_in, device=device))
    except Exception as err:  # no C++ compiler, an op Dynamo cannot capture...: say why
        first = str(err).strip().splitlines()[0][:300] if str(err).strip() else ""
        return Compiled(None, time.perf_counter() - t0, error=f"{type(err).__name__}: {first}")
    return Compiled(compiled, time.perf_counter() - t0, code)


def _first_call_code(compiled: Callable[[Tensor], Tensor], x: Tensor) -> str:
    """Call once, capturing the code Inductor writes (a private helper of torch: '' if it moved)."""
    try:
        from torch._inductor.utils import run_and_get_code
    except ImportError:
        compiled(x)
        return ""
    _out, codes = run_and_get_code(compiled, x)
    return "\n\n".join(codes)


@dataclass(frozen=True)
class KernelSummary:
    """What the compiled code calls: library routines and the kernels Inductor generated."""

    library: dict[str, int]  # routine -> calls, e.g. {"addmm": 5}
    generated: dict[str, int]  # generated kernel -> calls, e.g. {"cpp_fused_relu_0": 4}

    @property
    def calls(self) -> int:
        """Calls made per forward pass."""
        return sum(self.library.values()) + sum(self.generated.values())


def kernel_summary(code: str) -> KernelSummary:
    """Count, in the generated wrapper's call(), the library calls (extern_kernels.*, aten ops)
    and the calls of each generated kernel (defined as `name = async_compile.<kind>(...)`)."""
    kernels = set(re.findall(r"^(\w+) = async_compile\.\w+\(", code, re.M))
    body = code.split("def call(", 1)[1].split("\n", 1)[-1] if "def call(" in code else ""
    indent = re.match(r"[ \t]*", body).group()  # the body's own indent: it ends at a line with less
    body = re.split(rf"^(?!{indent}|\s*$)", body, maxsplit=1, flags=re.M)[0]
    library = Counter(re.findall(r"(?:extern_kernels|aten)\.(\w+)(?:\.default)?\(", body))
    generated = Counter(k for k in re.findall(r"^\s+(\w+)(?:\.run)?\(", body, re.M) if k in kernels)
    return KernelSummary(dict(library), dict(generated))


@dataclass(frozen=True)
class Timing:
    """Eager vs compiled at one batch size: median seconds per forward, and max |difference|."""

    batch: int
    eager_s: float
    compiled_s: float
    max_diff: float


def compare(
    model: nn.Module, compiled: Callable[[Tensor], Tensor], sizes: tuple[int, ...], budget_s: float = 2.0
) -> list[Timing]:
    """Same inputs through both, per batch size: outputs compared, forward passes timed."""
    g = torch.Generator().manual_seed(0)
    out = []
    with torch.no_grad():
        for n in sizes:
            x = torch.randn(n, 2, generator=g)
            diff = (model(x) - compiled(x)).abs().max().item()
            eager_s, compiled_s = median_seconds(
                partial(model, x), partial(compiled, x), budget_s=budget_s / len(sizes)
            )
            out.append(Timing(n, eager_s, compiled_s, diff))
    return out


def timing_rows(rows: list[Timing]) -> list[dict]:
    """A table of eager vs compiled timings (ms) with the speed-up eager / compiled."""
    return [
        {
            _("batch N"): r.batch,
            _("eager ms"): r.eager_s * 1e3,
            _("compiled ms"): r.compiled_s * 1e3,
            _("speed-up"): r.eager_s / r.compiled_s,
            _("max |eager − compiled|"): r.max_diff,
        }
        for r in rows
    ]


def library_is_torch(name: str) -> bool:
    """Whether the compiled code's extern_kernels.<name> is torch.<name> itself (the routine
    eager calls), checked on the objects rather than assumed."""
    try:
        from torch._inductor.select_algorithm import extern_kernels
    except ImportError:
        return False
    return getattr(extern_kernels, name, None) is getattr(torch, name, object())
