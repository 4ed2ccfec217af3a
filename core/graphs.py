"""The model as a computation graph: trace, shapes, layout, eager vs graph runs, devices, export.

torch.fx reads a model's forward() once with stand-in values (symbolic tracing) and records
every operation as a node; ShapeProp then runs one real batch through that graph and stores
each node's output shape. The rest of this module draws on that graph: a layered top-to-bottom
layout, an op-by-op eager run, graph-mode execution (torch.compile, else the fx GraphModule),
timings and a TensorBoard export (the devices torch sees: core/devices.py).
"""

from __future__ import annotations

import shlex
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import torch
from torch import Tensor, fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from core.config import MLPConfig
from core.datasets import DATASETS
from core.models import build_mlp
from core.paths import data_dir

Shape = tuple[int, ...]


def lab_model(cfg: MLPConfig) -> nn.Module:
    """The MLP lab's net for a config (2 inputs, the data set's classes), in eval mode:
    dropout off and batch norm on its running statistics, so a forward pass is deterministic."""
    return build_mlp(cfg, 2, DATASETS[cfg.dataset].n_classes).eval()


def model_key(cfg: MLPConfig) -> tuple:
    """The config fields that decide the net and its weights (not lr, epochs...): a cache key."""
    return tuple(
        getattr(cfg, f)
        for f in (
            "dataset",
            "depth",
            "width",
            "activation",
            "init",
            "dropout",
            "batch_norm",
            "residual",
            "seed",
        )
    )


def describe_model(cfg: MLPConfig) -> str:
    """The net of a config in words."""
    extras = "".join(
        s
        for s, on in (
            (", batch norm", cfg.batch_norm),
            (", residual", cfg.residual),
            (f", dropout {cfg.dropout:g}", cfg.dropout > 0),
        )
        if on
    )
    return (
        f"{cfg.depth} hidden layers of {cfg.width} {cfg.activation} units{extras}, "
        f"{DATASETS[cfg.dataset].n_classes} classes ({cfg.dataset}), weights from seed {cfg.seed}"
    )


class _Tracer(fx.Tracer):
    """fx's tracer, except that nn.Identity (an unused batch norm or dropout) is traced
    through, so it leaves no node instead of a do-nothing box."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return not isinstance(m, nn.Identity) and super().is_leaf_module(m, qualname)


@dataclass(frozen=True)
class GNode:
    """A node to draw: an input, an operation, a parameter/buffer of one, or the output."""

    id: str
    kind: str  # "input", "op", "param", "buffer", "output"
    label: str
    op: str  # fx opcode (placeholder, call_module, call_function, output) or parameter/buffer
    target: str
    shape: Shape | None
    n_params: int = 0


@dataclass(frozen=True)
class GEdge:
    """A tensor flowing from src to dst, with its shape."""

    src: str
    dst: str
    shape: Shape | None


@dataclass
class ModelGraph:
    """The traced graph (GraphModule) and the nodes/edges to draw from it."""

    gm: fx.GraphModule
    nodes: list[GNode]
    edges: list[GEdge]
    batch: int

    def table(self) -> list[dict]:
        """One row per fx node: op, target, output shape, parameters it owns."""
        return [
            {"op": n.op, "target": n.target, "shape": fmt_shape(n.shape), "params": n.n_params}
            for n in self.nodes
            if n.kind not in ("param", "buffer")
        ]


def fmt_shape(shape: Shape | None) -> str:
    """(4, 32) as text; '' when unknown."""
    return "" if shape is None else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _target(node: fx.Node) -> str:
    t = node.target
    return t if isinstance(t, str) else getattr(t, "__name__", str(t))


def trace(model: nn.Module, n_in: int = 2, batch: int = 4) -> ModelGraph:
    """fx-trace the model, propagate a (batch, n_in) input for shapes, and list nodes and edges.
    A leaf module's own weights and buffers become nodes of their own, feeding that module."""
    gm = fx.GraphModule(model, _Tracer().trace(model))
    ShapeProp(gm).propagate(torch.zeros(batch, n_in))
    modules = dict(gm.named_modules())
    nodes, edges = [], []
    for node in gm.graph.nodes:
        meta = node.meta.get("tensor_meta")
        shape = tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None
        if node.op == "output":  # its value is the model's return value: the logits
            shape = tuple(node.args[0].meta["tensor_meta"].shape)
        target, n_params = _target(node), 0
        if node.op == "placeholder":
            kind, label = "input", f"x (input) {fmt_shape(shape)}"
        elif node.op == "output":
            kind, label = "output", f"output (logits) {fmt_shape(shape)}"
        else:
            kind = "op"
            if node.op == "call_module":
                mod = modules[target]
                label = f"{target}: {type(mod).__name__}"
                for kind_p, items in (
                    ("param", mod.named_parameters(recurse=False)),
                    ("buffer", mod.named_buffers(recurse=False)),
                ):
                    for pname, p in items:
                        if p.dim() == 0:  # BatchNorm's num_batches_tracked counter: not data
                            continue
                        pid = f"{target}.{pname}"
                        n_params += p.numel() if kind_p == "param" else 0
                        nodes.append(
                            GNode(
                                pid,
                                kind_p,
                                f"{pname} {fmt_shape(tuple(p.shape))}",
                                kind_p,
                                pid,
                                tuple(p.shape),
                                p.numel() if kind_p == "param" else 0,
                            )
                        )
                        edges.append(GEdge(pid, node.name, tuple(p.shape)))
            else:
                label = {"add": "add (+)", "mul": "mul (×)"}.get(target, target)
        nodes.append(GNode(node.name, kind, label, node.op, target, shape, n_params))
        for src in node.all_input_nodes:
            meta = src.meta.get("tensor_meta")
            edges.append(GEdge(src.name, node.name, tuple(meta.shape) if meta is not None else None))
    return ModelGraph(gm, nodes, edges, batch)


@dataclass
class Layout:
    """Node positions (x right, y down as negative numbers) and one polyline per edge."""

    pos: dict[str, tuple[float, float]]
    paths: list[tuple[list[float], list[float]]]
    n_rows: int = 0
    label_at: list[tuple[float, float]] = field(default_factory=list)


def layered_layout(graph: ModelGraph, row: float = 1.0, col: float = 1.6) -> Layout:
    """Top-to-bottom layers: a data node's row is the longest path to it from the input (so every
    edge points down); parameters sit half a row above their consumer, to its right; an edge that
    skips rows (a residual connection) bends out to the left instead of crossing the nodes."""
    kind = {n.id: n.kind for n in graph.nodes}
    data = [n.id for n in graph.nodes if n.kind not in ("param", "buffer")]  # fx order is topological
    depth: dict[str, int] = {}
    for nid in data:
        preds = [e.src for e in graph.edges if e.dst == nid and e.src in depth]
        depth[nid] = 1 + max((depth[p] for p in preds), default=-1)
    rows: dict[int, list[str]] = {}
    for nid in data:
        rows.setdefault(depth[nid], []).append(nid)
    pos = {}
    for r, ids in rows.items():
        for i, nid in enumerate(ids):
            pos[nid] = ((i - (len(ids) - 1) / 2) * col, -r * row)
    side: dict[str, int] = {}
    for e in graph.edges:  # parameters: right of their consumer, half a row up
        if kind[e.src] in ("param", "buffer"):
            k = side[e.dst] = side.get(e.dst, 0) + 1
            x, y = pos[e.dst]
            pos[e.src] = (x + k * col * 0.9, y + row / 2)
    left = min(x for x, _ in pos.values()) - col * 0.2  # between the nodes and their labels
    paths, label_at = [], []
    for e in graph.edges:
        (x0, y0), (x1, y1) = pos[e.src], pos[e.dst]
        if kind[e.src] not in ("param", "buffer") and y0 - y1 > row * 1.5:  # skips a row
            xs, ys = [x0, left, left, x1], [y0, y0 - row / 2, y1 + row / 2, y1]
            label_at.append((left, y0 - row / 2))  # by the first bend, between two rows of labels
        else:
            xs, ys = [x0, x1], [y0, y1]
            label_at.append(((x0 + x1) / 2, (y0 + y1) / 2))
        paths.append((xs, ys))
    return Layout(pos, paths, len(rows), label_at)


@dataclass(frozen=True)
class Step:
    """One node of an eager run: its output's shape, first values and statistics."""

    node: str
    op: str
    target: str
    shape: Shape
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
        if isinstance(out, Tensor) and n.op != "output":  # output repeats the last op's value
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
        steps.append(
            Step(
                node.name,
                node.op,
                _target(node),
                tuple(v.shape),
                f[:keep].tolist(),
                f.mean().item(),
                std,
                f.min().item(),
                f.max().item(),
            )
        )
    return steps, out


def step_rows(steps: list[Step]) -> list[dict]:
    """A table of an eager run: op, shape, first values, statistics."""
    return [
        {
            "op": s.target,
            "shape": fmt_shape(s.shape),
            "first values": ", ".join(f"{v:.3f}" for v in s.values[:4]),
            "mean": s.mean,
            "std": s.std,
            "min": s.lo,
            "max": s.hi,
        }
        for s in steps
    ]


@dataclass
class GraphMode:
    """A graph-mode version of a model: how it was made, how long that took, any fallback note."""

    module: Callable[[Tensor], Tensor]
    kind: str  # "torch.compile" or "torch.fx"
    seconds: float
    note: str = ""


def graph_mode(
    model: nn.Module, sizes: tuple[int, ...], n_in: int = 2, use_compile: bool = True
) -> GraphMode:
    """torch.compile(model) warmed up on every batch size (compiling happens on first calls), or
    the fx GraphModule with the reason when compile is off or fails here."""
    t0 = time.perf_counter()
    if use_compile:
        try:
            # dynamic=True: one kernel for every batch size >= 2 rather than one compile per size.
            compiled = torch.compile(model, dynamic=True)
            with torch.no_grad():
                for n in sizes:
                    compiled(torch.zeros(n, n_in))
            return GraphMode(compiled, "torch.compile", time.perf_counter() - t0)
        except Exception as err:  # any compiler failure (no C compiler, unsupported op...): fall back
            note = f"torch.compile failed here ({type(err).__name__}: {str(err).splitlines()[0][:200]})"
    else:
        note = "torch.compile not requested"
    gm = trace(model, n_in).gm
    return GraphMode(gm, "torch.fx", time.perf_counter() - t0, note + "; using the fx GraphModule")


def median_seconds(*fns: Callable[[], object], budget_s: float = 0.3, max_reps: int = 50) -> list[float]:
    """Median wall time of each fn() over repeats within about budget_s (at least one), after one
    warm-up call each. Several functions run in turn (a, b, a, b...), so a slow spell hits them alike."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    end = time.perf_counter() + budget_s
    while not times[0] or (len(times[0]) < max_reps and time.perf_counter() < end):
        for fn, ts in zip(fns, times):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [statistics.median(ts) for ts in times]  # the median ignores the odd slow run (GC)


@dataclass(frozen=True)
class Timing:
    """Eager vs graph at one batch size: median seconds per forward, and max |difference|."""

    batch: int
    eager_s: float
    graph_s: float
    max_diff: float


def compare(
    model: nn.Module, graph: Callable[[Tensor], Tensor], sizes: tuple[int, ...], budget_s: float = 2.0
) -> list[Timing]:
    """Same inputs through both, per batch size: outputs compared, forward passes timed."""
    g = torch.Generator().manual_seed(0)
    out = []
    with torch.no_grad():
        for n in sizes:
            x = torch.randn(n, 2, generator=g)
            diff = (model(x) - graph(x)).abs().max().item()
            eager_s, graph_s = median_seconds(
                partial(model, x), partial(graph, x), budget_s=budget_s / len(sizes)
            )
            out.append(Timing(n, eager_s, graph_s, diff))
    return out


def timing_rows(rows: list[Timing]) -> list[dict]:
    """A table of eager vs graph timings (ms) with the speed-up eager / graph."""
    return [
        {
            "batch N": r.batch,
            "eager ms": r.eager_s * 1e3,
            "graph ms": r.graph_s * 1e3,
            "speed-up": r.eager_s / r.graph_s,
            "max |eager − graph|": r.max_diff,
        }
        for r in rows
    ]


def default_graph_dir(now: datetime | None = None) -> Path:
    """A fresh folder for one graph export: <data dir>/runs/graphs/<timestamp>."""
    return data_dir() / "runs" / "graphs" / (now or datetime.now()).strftime("%Y%m%d-%H%M%S")


def export_tensorboard(model: nn.Module, folder: Path, n_in: int = 2, batch: int = 4) -> Path:
    """Write the model's graph as a TensorBoard event file in folder; return that file."""
    from torch.utils.tensorboard import SummaryWriter  # imports tensorboard: only when asked

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # add_graph uses torch.jit.trace, which warns it is deprecated
        warnings.simplefilter("ignore")
        with SummaryWriter(str(folder)) as writer:
            writer.add_graph(model, torch.zeros(batch, n_in))
    return max(folder.glob("events.out.tfevents.*"), key=lambda p: p.stat().st_mtime)


def tensorboard_command(folder: Path) -> str:
    """The shell command that serves a folder's event files."""
    return f"tensorboard --logdir {shlex.quote(str(folder))}"
