"""The model as a computation graph: trace it with torch.fx, give every tensor its shape, lay it out.

torch.fx reads a model's forward() once with stand-in values (symbolic tracing) and records
every operation as a node; ShapeProp then runs one real batch through that graph and stores
each node's output shape. Each operation's weights become nodes of their own, as do the literal
numbers an operation is given, so the drawing has every kind of node TensorFlow names:
placeholder (input), operation, variable (parameter) and constant. Running the graph (op by op,
compiled, timed) is core.tensors_graphs.graph_runs; TensorFlow's vocabulary is core.tensors_graphs.tf_terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from core.base.i18n import _
from core.contract.config import MLPConfig
from core.contract.datasets import DATASETS
from core.engine.models import build_mlp
from core.tensors_graphs.tracing import OwnThreadTracer

Shape = tuple[int, ...]
SIDE = ("param", "buffer", "const")  # nodes that feed one operation and sit beside it


def lab_model(cfg: MLPConfig) -> nn.Module:
    """The MLP lab's net for a config (2 inputs, the data set's classes), in eval mode:
    dropout off and batch norm on its running statistics, so a forward pass is deterministic."""
    return build_mlp(cfg, 2, DATASETS[cfg.dataset].n_classes).eval()


MODEL_FIELDS = (
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


def model_key(cfg: MLPConfig) -> tuple:
    """The config fields that decide the net and its weights (not lr, epochs...): a cache key."""
    return tuple(getattr(cfg, f) for f in MODEL_FIELDS)


def describe_model(cfg: MLPConfig) -> str:
    """The net of a config in words."""
    extras = "".join(
        s
        for s, on in (
            (_(", batch norm"), cfg.batch_norm),
            (_(", residual"), cfg.residual),
            (_(", dropout {p}").format(p=f"{cfg.dropout:g}"), cfg.dropout > 0),
        )
        if on
    )
    return _(
        "{depth} hidden layers of {width} {activation} units{extras}, {classes} classes ({dataset}), "
        "weights from seed {seed}"
    ).format(
        depth=cfg.depth,
        width=cfg.width,
        activation=cfg.activation,
        extras=extras,
        classes=DATASETS[cfg.dataset].n_classes,
        dataset=cfg.dataset,
        seed=cfg.seed,
    )


class _Tracer(OwnThreadTracer):
    """The lab's tracer: nn.Identity (an unused batch norm or dropout) is traced through, so it
    leaves no node instead of a do-nothing box."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return not isinstance(m, nn.Identity) and super().is_leaf_module(m, qualname)


@dataclass(frozen=True)
class GNode:
    """A node to draw: an input, an operation, a parameter / buffer / constant of one, or the output."""

    id: str
    kind: str  # "input", "op", "param", "buffer", "const", "output"
    label: str
    op: str  # fx opcode (placeholder, call_module, call_function, get_attr, output) or parameter/...
    target: str
    shape: Shape | None
    n_params: int = 0
    fx: bool = True  # an fx node (False: a module's weight or a literal, drawn as its own node)


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
            {_("op"): n.op, _("target"): n.target, _("shape"): fmt_shape(n.shape), _("params"): n.n_params}
            for n in self.nodes
            if n.fx
        ]

    @property
    def n_params(self) -> int:
        """Parameters of every operation and variable node (the model's trainable numbers)."""
        return sum(n.n_params for n in self.nodes if n.fx)


def fmt_shape(shape: Shape | None) -> str:
    """(4, 32) as text; '' when unknown."""
    return "" if shape is None else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _target(node: fx.Node) -> str:
    t = node.target
    return t if isinstance(t, str) else getattr(t, "__name__", str(t))


def _shape(node: fx.Node) -> Shape | None:
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def _module_weights(gm: fx.GraphModule, node: fx.Node, target: str) -> tuple[list[GNode], list[GEdge]]:
    """A leaf module's own parameters and buffers, each a node feeding the module's node."""
    mod = gm.get_submodule(target)
    nodes, edges = [], []
    for kind, items in (
        ("param", mod.named_parameters(recurse=False)),
        ("buffer", mod.named_buffers(recurse=False)),
    ):
        for pname, p in items:
            if p.dim() == 0:  # BatchNorm's num_batches_tracked counter: not data
                continue
            pid, shape = f"{target}.{pname}", tuple(p.shape)
            n = p.numel() if kind == "param" else 0
            op = "nn.Parameter" if kind == "param" else _("buffer")
            nodes.append(GNode(pid, kind, f"{pname} {fmt_shape(shape)}", op, pid, shape, n, fx=False))
            edges.append(GEdge(pid, node.name, shape))
    return nodes, edges


def _literals(node: fx.Node) -> tuple[list[GNode], list[GEdge]]:
    """Numbers written into an operation's arguments (the 0.5 of x * 0.5): constants of the graph."""
    nodes, edges = [], []
    for i, a in enumerate(node.args):
        if isinstance(a, bool | int | float):
            cid = f"{node.name}.const{i}"
            nodes.append(GNode(cid, "const", f"{a!r}", _("literal"), repr(a), (), fx=False))
            edges.append(GEdge(cid, node.name, ()))
    return nodes, edges


def _attribute(model: nn.Module, node: fx.Node) -> GNode:
    """A get_attr node: a parameter (variable), a buffer, or a plain tensor kept as a constant
    (asked of the model itself: the GraphModule registers every tensor it copies as a buffer)."""
    value = model
    for part in str(node.target).split("."):
        value = getattr(value, part)
    shape = tuple(value.shape)
    buffers = {name for name, _b in model.named_buffers()}
    kind = (
        "param" if isinstance(value, nn.Parameter) else "buffer" if str(node.target) in buffers else "const"
    )
    n = value.numel() if kind == "param" else 0
    return GNode(node.name, kind, f"{node.target} {fmt_shape(shape)}", node.op, str(node.target), shape, n)


def trace(model: nn.Module, n_in: int = 2, batch: int = 4, output: str = "logits") -> ModelGraph:
    """fx-trace the model, propagate a (batch, n_in) input for shapes, and list nodes and edges.
    A leaf module's own weights and buffers, and every literal number, become nodes of their own;
    `output` names what the model returns."""
    gm = fx.GraphModule(model, _Tracer().trace(model))
    ShapeProp(gm).propagate(torch.zeros(batch, n_in))
    nodes: list[GNode] = []
    edges: list[GEdge] = []
    for node in gm.graph.nodes:
        shape, target = _shape(node), _target(node)
        if node.op == "get_attr":
            nodes.append(_attribute(model, node))
            continue
        if node.op == "output":  # its value is the model's return value
            shape = _shape(node.args[0])
            label = _("output ({name}) {shape}").format(name=output, shape=fmt_shape(shape))
            kind, n_params = "output", 0
        elif node.op == "placeholder":
            kind, label, n_params = "input", _("x (input) {shape}").format(shape=fmt_shape(shape)), 0
        else:
            kind = "op"
            extra_nodes, extra_edges = _literals(node)
            if node.op == "call_module":
                label = f"{target}: {type(gm.get_submodule(target)).__name__}"
                more_nodes, more_edges = _module_weights(gm, node, target)
                extra_nodes, extra_edges = more_nodes + extra_nodes, more_edges + extra_edges
            else:
                label = {"add": "add (+)", "mul": "mul (×)", "matmul": "matmul (@)"}.get(target, target)
            n_params = sum(n.n_params for n in extra_nodes)
            nodes += extra_nodes
            edges += extra_edges
        nodes.append(GNode(node.name, kind, label, node.op, target, shape, n_params))
        for src in node.all_input_nodes:
            edges.append(GEdge(src.name, node.name, _shape(src)))
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
    edge points down); parameters and constants sit half a row above their consumer, to its right;
    an edge that skips rows (a residual connection) bends out to the left instead of crossing."""
    kind = {n.id: n.kind for n in graph.nodes}
    data = [n.id for n in graph.nodes if n.kind not in SIDE]  # fx order is topological
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
    for e in graph.edges:  # parameters and constants: right of their consumer, half a row up
        if kind[e.src] in SIDE:
            k = side[e.dst] = side.get(e.dst, 0) + 1
            x, y = pos[e.dst]
            pos[e.src] = (x + k * col * 0.9, y + row / 2)
    left = min(x for x, _y in pos.values()) - col * 0.2  # between the nodes and their labels
    paths, label_at = [], []
    for e in graph.edges:
        (x0, y0), (x1, y1) = pos[e.src], pos[e.dst]
        if kind[e.src] not in SIDE and y0 - y1 > row * 1.5:  # skips a row
            xs, ys = [x0, left, left, x1], [y0, y0 - row / 2, y1 + row / 2, y1]
            label_at.append((left, y0 - row / 2))  # by the first bend, between two rows of labels
        else:
            xs, ys = [x0, x1], [y0, y1]
            label_at.append(((x0 + x1) / 2, (y0 + y1) / 2))
        paths.append((xs, ys))
    return Layout(pos, paths, len(rows), label_at)
