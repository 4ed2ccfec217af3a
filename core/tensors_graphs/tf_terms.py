"""TensorFlow's words for what the lab shows in PyTorch, tied to the lab's real objects.

No TensorFlow here: the words are explained and the PyTorch side is computed for real. Each
node of a traced graph gets the name TensorFlow gives its kind (placeholder, operation,
variable, constant, fetch); a tiny net shows TensorFlow 1's build-then-run with torch.fx
(build: trace with stand-ins, no numbers; run: feed an input); parameters are listed as the
variables they would be; and the graph is exported for TensorBoard, which reads PyTorch's event
files as its own. Pure: no streamlit.
"""

from __future__ import annotations

import shlex
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import torch
from torch import Tensor, fx, nn

from core.base.i18n import N_, _
from core.base.paths import data_dir
from core.tensors_graphs.graphs import ModelGraph, fmt_shape
from core.tensors_graphs.tracing import OwnThreadTracer

ROLES = {  # GNode.kind -> what TensorFlow calls such a node (translate with _() where shown)
    "input": N_("placeholder"),
    "op": N_("operation"),
    "param": N_("variable"),
    "buffer": N_("variable, not trainable"),
    "const": N_("constant"),
    "output": N_("fetch"),
}


@dataclass(frozen=True)
class Term:
    """One TensorFlow term, PyTorch's name for the same thing, and what it means."""

    tf: str  # all three N_()-marked (code names pass through a catalog unchanged)
    torch: str
    meaning: str


TERMS = (
    Term(
        N_("tf.Tensor"),
        N_("torch.Tensor"),
        N_("an array with any number of axes: a shape, a rank and a dtype"),
    ),
    Term(
        N_("tf.Graph"),
        N_("torch.fx.Graph"),
        N_("the computation written down as data: nodes joined by edges"),
    ),
    Term(
        N_("tf.Operation"),
        N_("fx node (call_module, call_function)"),
        N_("a node that computes: matmul, add, relu"),
    ),
    Term(
        N_("edge (a tf.Tensor)"),
        N_("fx node argument"),
        N_("a tensor flowing from the op that makes it to one that uses it"),
    ),
    Term(N_("tf.Variable"), N_("nn.Parameter"), N_("a tensor kept between runs that training updates")),
    Term(
        N_("tf.constant"), N_("a number written into the graph"), N_("a value fixed when the graph is built")
    ),
    Term(
        N_("tf.compat.v1.placeholder"),
        N_("fx placeholder"),
        N_("TF 1: an input slot, filled when the graph runs"),
    ),
    Term(
        N_("Session.run(fetch, feed_dict)"),
        N_("gm(x)"),
        N_("TF 1: run the built graph: feed inputs, fetch results"),
    ),
    Term(
        N_("eager execution (TF 2)"),
        N_("PyTorch itself"),
        N_("each op runs the moment Python reaches it: the default"),
    ),
    Term(
        N_("tf.function"),
        N_("torch.compile"),
        N_("trace Python into a graph, then optimise and run that graph"),
    ),
    Term(
        N_("tf.GradientTape"),
        N_("autograd, loss.backward()"),
        N_("record the ops of a forward pass to get gradients"),
    ),
    Term(
        N_("TensorBoard"),
        N_("torch.utils.tensorboard"),
        N_("the same event files: add_graph writes this net's graph"),
    ),
)


def role_rows(graph: ModelGraph) -> list[dict]:
    """Every node of a traced graph with its fx opcode and TensorFlow's word for it."""
    return [
        {
            _("node"): n.label,
            _("torch.fx"): n.op,
            _("TensorFlow"): _(ROLES[n.kind]),
            _("shape"): fmt_shape(n.shape),
        }
        for n in graph.nodes
    ]


def role_counts(graph: ModelGraph) -> dict[str, int]:
    """How many nodes of each TensorFlow kind the graph has (every kind listed, zeros included)."""
    counts = dict.fromkeys(ROLES, 0)
    for n in graph.nodes:
        counts[n.kind] += 1
    return counts


class TinyNet(nn.Module):
    """y = relu(x @ W + 1) * 0.5: TensorFlow 1's first example as a module, with every kind of node."""

    def __init__(self) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.tensor([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0]]))  # (2 in, 3 out)

    def forward(self, x: Tensor) -> Tensor:  # (N, 2) -> (N, 3)
        return torch.relu(x @ self.W + 1.0) * 0.5


class _CountingTracer(OwnThreadTracer):
    """fx's tracer (its own thread's calls only), counting the stand-ins (Proxies) it hands
    forward() instead of tensors."""

    def __init__(self) -> None:
        super().__init__()
        self.proxies = 0

    def create_proxy(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - fx's own signature
        self.proxies += 1
        return super().create_proxy(*args, **kwargs)


@dataclass(frozen=True)
class BuildRun:
    """TF 1's two phases done with torch.fx: the graph built without numbers, then run on x."""

    gm: fx.GraphModule
    proxies: int  # stand-ins forward() computed with while building: no numbers
    nodes: int  # fx nodes recorded
    output: Tensor  # gm(x): the run


def build_then_run(model: nn.Module, x: Tensor) -> BuildRun:
    """Build: trace forward() with stand-ins (nothing is computed); run: call the graph on x."""
    tracer = _CountingTracer()
    graph = tracer.trace(model)
    gm = fx.GraphModule(model, graph)
    with torch.no_grad():
        out = gm(x)
    return BuildRun(gm, tracer.proxies, len(graph.nodes), out)


def variables_rows(model: nn.Module) -> list[dict]:
    """The model's parameters and buffers as TensorFlow would hold them: variables, trainable or not."""
    rows = [
        {
            _("name"): name,
            _("shape"): fmt_shape(tuple(p.shape)),
            _("numbers"): p.numel(),
            _("PyTorch"): "nn.Parameter",
            _("TensorFlow"): "tf.Variable(trainable=True)",
        }
        for name, p in model.named_parameters()
    ]
    rows += [
        {
            _("name"): name,
            _("shape"): fmt_shape(tuple(b.shape)),
            _("numbers"): b.numel(),
            _("PyTorch"): "buffer",
            _("TensorFlow"): "tf.Variable(trainable=False)",
        }
        for name, b in model.named_buffers()
        if b.dim() > 0  # BatchNorm's step counter is a bookkeeping scalar
    ]
    return rows


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
