"""Figures and worked formulas for the Neuron page: core results in, go.Figure or LaTeX out.

The diagrams are plain plotly: nodes are markers with their values as text, edges are line
shapes with their weights written along them. No widgets, no state.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.base.i18n import _
from core.contract.activations import ACTIVATIONS
from core.lessons.backprop import LOSSES, Chain, Forward, TinyNet
from core.lessons.neuron import NeuronOutput, PerceptronState, predict
from ui.labs.mlp_charts import CLASS_COLOURS
from ui.labs.training_charts import LAYOUT

Node = tuple[float, float, str, str]  # x, y, text inside/under the node, colour
Edge = tuple[int, int, str, float]  # from node, to node, label, where along the edge the label sits
INPUT, SUM, ACT, OUT = "#e2e8f0", "#bee3f8", "#fbd38d", "#c6f6d5"
DEPTH_COLOURS = {"sigmoid": "#2b6cb0", "tanh": "#dd6b20", "relu": "#2f855a"}  # others: plotly's cycle


def num(v: float, digits: int = 3) -> str:
    """A number for a worked formula: `digits` significant digits, negatives in brackets."""
    text = f"{v:.{digits}g}"
    return f"({text})" if text.startswith("-") else text


def plain(v: float, digits: int = 3) -> str:
    """A number standing alone (a result, a diagram label): no brackets."""
    return f"{v:.{digits}g}"


def _graph(nodes: list[Node], edges: list[Edge], height: int) -> go.Figure:
    """Draw nodes (circles with text) and labelled straight edges between them."""
    fig = go.Figure()
    for i, j, label, at in edges:
        (x0, y0, *_), (x1, y1, *_) = nodes[i], nodes[j]
        fig.add_shape(
            type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color="#718096", width=2), layer="below"
        )
        if label:
            fig.add_annotation(
                x=x0 + (x1 - x0) * at,
                y=y0 + (y1 - y0) * at,
                text=label,
                showarrow=False,
                bgcolor="rgba(255,255,255,0.9)",
                font=dict(size=13),
            )
    fig.add_trace(
        go.Scatter(
            x=[n[0] for n in nodes],
            y=[n[1] for n in nodes],
            mode="markers+text",
            text=[n[2] for n in nodes],
            textfont=dict(size=13),
            marker=dict(size=62, color=[n[3] for n in nodes], line=dict(color="#4a5568", width=1.5)),
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(visible=False, range=[-0.6, max(n[0] for n in nodes) + 0.6])
    fig.update_yaxes(visible=False, range=[min(n[1] for n in nodes) - 0.7, max(n[1] for n in nodes) + 0.7])
    fig.update_layout(margin=dict(l=0, r=0, t=10, b=0), height=height, showlegend=False, plot_bgcolor="white")
    return fig


def neuron_figure(x: list[float], w: list[float], b: float, out: NeuronOutput, activation: str) -> go.Figure:
    """Inputs -> (weights on the edges) -> sum node with z -> activation node with f(z) -> output."""
    n = len(x)
    ys = [n / 2 - i for i in range(n + 1)]  # n inputs and the constant 1 that the bias multiplies
    nodes: list[Node] = [(0.0, ys[i], f"x{i + 1}={plain(xi)}", INPUT) for i, xi in enumerate(x)]
    nodes += [
        (0.0, ys[n], "1", INPUT),
        (2.4, 0.0, f"Σ<br>z={plain(out.z)}", SUM),
        (3.7, 0.0, f"f(z)<br>{activation}", ACT),
        (4.9, 0.0, f"a={plain(out.a)}", OUT),
    ]
    s = n + 1
    # Labels a third of the way along, where the edges fanning into the sum are still apart.
    edges: list[Edge] = [(i, s, f"w{i + 1}={plain(wi)}", 1 / 3) for i, wi in enumerate(w)]
    edges += [(n, s, f"b={plain(b)}", 1 / 3), (s, s + 1, "", 0.5), (s + 1, s + 2, "", 0.5)]
    return _graph(nodes, edges, height=120 + 70 * n)


def neuron_latex(x: list[float], w: list[float], b: float, out: NeuronOutput, activation: str) -> str:
    """z = sum w_i x_i + b with the numbers in, then a = f(z)."""
    terms = " + ".join(rf"{num(wi)}\cdot{num(xi)}" for wi, xi in zip(w, x))
    f = ACTIVATIONS[activation].formula
    return (
        rf"z = \sum_i w_i x_i + b = {terms} + {num(b)} = {plain(out.z, 4)}"
        rf"\qquad a = f(z) = f({plain(out.z, 4)}) = {plain(out.a, 4)},\quad f(x) = {f}"
    )


def perceptron_figure(x: np.ndarray, y: np.ndarray, state: PerceptronState) -> go.Figure:
    """Points by class (misclassified ringed in red), the predicted-1 side shaded, and the line
    w1 x1 + w2 x2 + b = 0."""
    lo, hi = float(x.min()) - 0.5, float(x.max()) + 0.5
    axis = np.linspace(lo, hi, 121)
    g1, g2 = np.meshgrid(axis, axis)
    side = predict(state.w, state.b, np.stack([g1.ravel(), g2.ravel()], 1)).reshape(g1.shape)
    fig = go.Figure(
        go.Heatmap(
            x=axis,
            y=axis,
            z=side,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#dbe7f5"], [1, "#fbe3cf"]],
            showscale=False,
            hoverinfo="skip",
        )
    )
    (w1, w2), b = state.w, state.b
    line = None
    if abs(w2) >= abs(w1) and w2 != 0:  # solve for x2, or for x1 when the line is steep
        line = axis, -(w1 * axis + b) / w2
    elif w1 != 0:
        line = -(w2 * axis + b) / w1, axis
    if line is not None:  # w = 0: no line, every point is on the z = b side
        fig.add_trace(
            go.Scatter(
                x=line[0], y=line[1], mode="lines", name="w·x + b = 0", line=dict(color="black", width=3)
            )
        )
    size = 18 if len(x) <= 8 else 10
    for cls, symbol in ((0, "circle"), (1, "square")):
        m = y == cls
        marker = dict(color=CLASS_COLOURS[cls], symbol=symbol, size=size, line=dict(color="white", width=1))
        fig.add_trace(
            go.Scatter(x=x[m, 0], y=x[m, 1], mode="markers", name=_("class {c}").format(c=cls), marker=marker)
        )
    wrong = predict(state.w, state.b, x) != y
    ring = dict(symbol="circle-open", size=size + 12, color="crimson", line=dict(width=3))
    fig.add_trace(go.Scatter(x=x[wrong, 0], y=x[wrong, 1], mode="markers", name=_("wrong side"), marker=ring))
    fig.update_xaxes(range=[lo, hi], title="x1", constrain="domain")
    fig.update_yaxes(range=[lo, hi], title="x2", scaleanchor="x")
    fig.update_layout(**{**LAYOUT, "height": 380})
    return fig


def errors_figure(errors: tuple[int, ...] | list[int]) -> go.Figure:
    """Mistakes per epoch: zero means the line separates every point."""
    fig = go.Figure(go.Bar(x=list(range(1, len(errors) + 1)), y=list(errors), marker_color="crimson"))
    fig.update_xaxes(title=_("epoch"), dtick=1 if len(errors) <= 20 else None)
    fig.update_yaxes(title=_("misclassified during the epoch"), rangemode="tozero")
    fig.update_layout(**{**LAYOUT, "height": 300})
    return fig


def tiny_net_figure(net: TinyNet, x: tuple[float, float], fw: Forward, grads: dict[str, Chain]) -> go.Figure:
    """The 2-2-1 net: values on the nodes, each weight and its gradient on its edge."""
    g = lambda k: f"{k} = {plain(net.flat()[k])}<br>∂L/∂{k} = {plain(grads[k].value)}"
    nodes: list[Node] = [
        (0.0, 1.0, f"x1={plain(x[0])}", INPUT),
        (0.0, -1.0, f"x2={plain(x[1])}", INPUT),
        (3.4, 1.0, f"z={plain(fw.z1[0])}<br>a={plain(fw.a1[0])}", SUM),
        (3.4, -1.0, f"z={plain(fw.z1[1])}<br>a={plain(fw.a1[1])}", SUM),
        (6.4, 0.0, f"z={plain(fw.z2)}<br>ŷ={plain(fw.y_hat)}", ACT),
    ]
    # Layer-1 labels a quarter of the way along, where the crossing edges are still apart.
    edges: list[Edge] = [(k, 2 + j, g(f"w1_{j + 1}{k + 1}"), 0.25) for j in range(2) for k in range(2)]
    edges += [(2 + j, 4, g(f"w2_{j + 1}"), 0.5) for j in range(2)]
    fig = _graph(nodes, edges, height=330)
    biases = _("biases (not drawn): b1_1 = {a}, b1_2 = {b}, b2 = {c}").format(
        a=plain(net.b1[0]), b=plain(net.b1[1]), c=plain(net.b2)
    )
    fig.add_annotation(x=3.4, y=-1.5, text=biases, showarrow=False, font=dict(size=12, color="#4a5568"))
    return fig


def forward_latex(net: TinyNet, x: tuple[float, float], y: float, fw: Forward, hidden: str, loss: str) -> str:
    """The forward pass, one aligned line per value, numbers substituted."""
    rows = [r"z_{1,j} &= w_{1,j1}x_1 + w_{1,j2}x_2 + b_{1,j} & a_{1,j} &= f(z_{1,j})"]
    for j in range(2):
        u, (wa, wb) = j + 1, net.w1[j]
        rows.append(
            rf"z_{{1,{u}}} &= {num(wa)}\cdot{num(x[0])} + {num(wb)}\cdot{num(x[1])} + {num(net.b1[j])} "
            rf"= {plain(fw.z1[j], 4)} & a_{{1,{u}}} &= \text{{{hidden}}}({plain(fw.z1[j], 4)}) "
            rf"= {plain(fw.a1[j], 4)}"
        )
    rows.append(
        rf"z_2 &= {num(net.w2[0])}\cdot{num(fw.a1[0])} + {num(net.w2[1])}\cdot{num(fw.a1[1])} + {num(net.b2)}"
        rf" = {plain(fw.z2, 4)} & \hat y &= \sigma({plain(fw.z2, 4)}) = {plain(fw.y_hat, 4)}"
    )
    if loss == "squared":
        subst = rf"\tfrac12({num(fw.y_hat, 4)} - {y:g})^2"
    elif y == 1:  # cross-entropy keeps only the term of the true class
        subst = rf"-\log {num(fw.y_hat, 4)}"
    else:
        subst = rf"-\log(1 - {num(fw.y_hat, 4)})"
    rows.append(rf"L &= {LOSSES[loss]} = {subst} = {plain(fw.loss, 4)} & y &= {y:g}")
    return r"\begin{aligned}" + r" \\[3pt] ".join(rows) + r"\end{aligned}"


def chains_latex(chains: list[Chain], digits: int = 4) -> str:
    """One aligned block: symbol = slopes multiplied = the numbers = value (or = rule = value)."""
    rows = []
    for c in chains:
        if not c.factors:
            rows.append(rf"{c.symbol} &= {c.rule} = {plain(c.value, digits)}")
            continue
        symbols = r" \cdot ".join(s for s, _ in c.factors)
        values = r" \cdot ".join(num(v, digits) for _, v in c.factors)
        rows.append(rf"{c.symbol} &= {symbols} = {values} = {plain(c.value, digits)}")
    return r"\begin{aligned}" + r" \\[4pt] ".join(rows) + r"\end{aligned}"


def loss_steps_figure(losses: list[float]) -> go.Figure:
    """The loss after each SGD step (step 0 = the starting weights)."""
    fig = go.Figure(go.Scatter(x=list(range(len(losses))), y=losses, mode="lines+markers"))
    fig.update_xaxes(
        title=_("SGD step"), range=[-0.3, max(len(losses), 5) - 0.7], dtick=1 if len(losses) <= 15 else None
    )
    fig.update_yaxes(title=_("loss"), rangemode="tozero")
    fig.update_layout(**{**LAYOUT, "height": 300})
    return fig


def depth_figure(products: dict[str, list[float]], best: list[float]) -> go.Figure:
    """prod f'(z) against the number of layers, log y; sigmoid's best case (1/4)^L dashed.
    A product of 0 (ReLU at z < 0) cannot sit on a log axis and is left out."""
    fig = go.Figure()
    depths = list(range(1, len(best) + 1))
    fig.add_trace(
        go.Scatter(
            x=depths,
            y=best,
            name=_("{b:g}^L (sigmoid's best)").format(b=best[0]),
            line=dict(color="grey", dash="dash"),
        )
    )
    for name, ys in products.items():
        ys = [v if v > 0 and math.isfinite(v) else None for v in ys]
        fig.add_trace(
            go.Scatter(
                x=depths, y=ys, name=name, mode="lines+markers", line=dict(color=DEPTH_COLOURS.get(name))
            )
        )
    fig.update_xaxes(title=_("layers the gradient passes back through (L)"))
    fig.update_yaxes(type="log", title=_("product of slopes f'(z)"), exponentformat="power")
    fig.update_layout(**{**LAYOUT, "height": 380})
    return fig
