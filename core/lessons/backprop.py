"""Backpropagation by hand on a 2-2-1 net, and the product of slopes through a deep chain.

The tiny net, for one point x = (x1, x2) with target y in {0, 1}:

    z1 = W1 x + b1        (2 hidden pre-activations)     a1 = f(z1)   (sigmoid, ReLU or tanh)
    z2 = w2 . a1 + b2     (1 output pre-activation)      ŷ = sigmoid(z2)
    L  = (ŷ - y)^2 / 2    (squared error)   or   -[y log ŷ + (1 - y) log(1 - ŷ)]   (cross-entropy)

Every gradient is a chain-rule product of three local slopes, dL/dw = dL/da . da/dz . dz/dw,
computed in plain floats (no autograd); tests check each one against torch autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.lessons.depth_lessons import depth_products

LOSSES = {"squared": r"\tfrac12(\hat y - y)^2", "bce": r"-[y\log\hat y + (1-y)\log(1-\hat y)]"}


def _sigmoid(z: float) -> float:
    # Written so exp never overflows: for z < 0 use e^z / (1 + e^z).
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def _softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))  # log(1 + e^z) without overflow


# name -> (f, f', f' as LaTeX in z): the hidden activations, in plain floats.
HIDDEN: dict[str, tuple[Callable[[float], float], Callable[[float], float], str]] = {
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z)), r"\sigma(z)(1-\sigma(z))"),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0, r"[z > 0]"),
    "tanh": (math.tanh, lambda z: 1 - math.tanh(z) ** 2, r"1-\tanh^2 z"),
}


@dataclass(frozen=True)
class TinyNet:
    """Parameters of the 2-2-1 net: w1[j][k] joins input k to hidden unit j."""

    w1: tuple[tuple[float, float], tuple[float, float]]
    b1: tuple[float, float]
    w2: tuple[float, float]
    b2: float

    def flat(self) -> dict[str, float]:
        """name -> value for all 9 parameters, e.g. 'w1_12' (hidden 1, input 2), 'b2'."""
        out = {f"w1_{j + 1}{k + 1}": self.w1[j][k] for j in range(2) for k in range(2)}
        out |= {f"b1_{j + 1}": self.b1[j] for j in range(2)}
        return out | {f"w2_{j + 1}": self.w2[j] for j in range(2)} | {"b2": self.b2}

    @staticmethod
    def from_flat(p: dict[str, float]) -> TinyNet:
        """The inverse of flat()."""
        w1 = tuple(tuple(p[f"w1_{j}{k}"] for k in (1, 2)) for j in (1, 2))
        return TinyNet(w1, (p["b1_1"], p["b1_2"]), (p["w2_1"], p["w2_2"]), p["b2"])  # type: ignore[arg-type]


def init_net(seed: int) -> TinyNet:
    """Weights uniform in [-1, 1], rounded to two decimals so the worked sums stay readable."""
    v = np.round(np.random.default_rng(seed).uniform(-1, 1, 9), 2).tolist()
    return TinyNet(((v[0], v[1]), (v[2], v[3])), (v[4], v[5]), (v[6], v[7]), v[8])


@dataclass(frozen=True)
class Forward:
    """Every value of the forward pass."""

    z1: tuple[float, float]
    a1: tuple[float, float]
    z2: float
    y_hat: float
    loss: float


@dataclass(frozen=True)
class Chain:
    """One derivative: its symbol, the local slopes (symbol, value) multiplied, and the product.
    With no factors it is a local slope, given by `rule` (LaTeX)."""

    symbol: str
    factors: tuple[tuple[str, float], ...]
    value: float
    rule: str = ""


def forward(net: TinyNet, x: tuple[float, float], y: float, hidden: str, loss: str) -> Forward:
    """z1 = W1 x + b1, a1 = f(z1), z2 = w2.a1 + b2, ŷ = sigmoid(z2), and the loss."""
    f = HIDDEN[hidden][0]
    z1 = tuple(net.w1[j][0] * x[0] + net.w1[j][1] * x[1] + net.b1[j] for j in range(2))
    a1 = tuple(f(z) for z in z1)
    z2 = net.w2[0] * a1[0] + net.w2[1] * a1[1] + net.b2
    y_hat = _sigmoid(z2)
    if loss == "squared":
        value = 0.5 * (y_hat - y) ** 2
    else:  # -log ŷ = softplus(-z2) and -log(1 - ŷ) = softplus(z2): exact, and finite even when ŷ rounds to 1
        value = y * _softplus(-z2) + (1 - y) * _softplus(z2)
    return Forward(z1, a1, z2, y_hat, value)  # type: ignore[arg-type]


def _d(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


def _chain(symbol: str, *factors: tuple[str, float]) -> Chain:
    """A derivative as the product of its local slopes, each given as (symbol, value)."""
    return Chain(symbol, factors, math.prod(v for _, v in factors))


def backward(
    net: TinyNet, x: tuple[float, float], y: float, hidden: str, loss: str
) -> tuple[Forward, list[Chain], dict[str, Chain]]:
    """The forward values, the backward signals (dL/dŷ, dŷ/dz2, dL/da1_j, da1_j/dz1_j) and,
    per parameter name (as in TinyNet.flat), its gradient as a three-factor chain."""
    fw = forward(net, x, y, hidden, loss)
    df, df_rule = HIDDEN[hidden][1], HIDDEN[hidden][2]
    yh = fw.y_hat
    # Squared error: dL/dŷ = ŷ - y. Cross-entropy: -y/ŷ + (1-y)/(1-ŷ); times the sigmoid's
    # slope ŷ(1-ŷ) that collapses to ŷ - y, which is why the pair learns fast when wrong.
    if loss == "squared":
        dl_dyh, dl_rule = yh - y, r"\hat y - y"
    else:
        tiny = 1e-300  # only reached when ŷ rounds to exactly 0 or 1 (|z2| > 36)
        dl_dyh = -y / max(yh, tiny) + (1 - y) / max(1 - yh, tiny)
        dl_rule = r"-\frac{y}{\hat y} + \frac{1-y}{1-\hat y}"
    dyh_dz2 = yh * (1 - yh)
    dL, dA = _d("L", r"\hat y"), _d(r"\hat y", "z_2")
    signals = [Chain(dL, (), dl_dyh, dl_rule), Chain(dA, (), dyh_dz2, r"\hat y(1-\hat y)")]
    top = ((dL, dl_dyh), (dA, dyh_dz2))  # dL/dz2 = dL/dŷ . dŷ/dz2: shared by every gradient below
    grads: dict[str, Chain] = {}
    for j in range(2):  # output layer: a = ŷ, z = z2, dz2/dw2_j = a1_j, dz2/db2 = 1
        w = f"w_{{2,{j + 1}}}"
        grads[f"w2_{j + 1}"] = _chain(_d("L", w), *top, (_d("z_2", w), fw.a1[j]))
    grads["b2"] = _chain(_d("L", "b_2"), *top, (_d("z_2", "b_2"), 1.0))
    for j in range(2):  # hidden layer: a = a1_j, z = z1_j, dL/da1_j = dL/dŷ . dŷ/dz2 . w2_j
        u = j + 1
        a, z = f"a_{{1,{u}}}", f"z_{{1,{u}}}"
        dl_da = _chain(_d("L", a), *top, (_d("z_2", a), net.w2[j]))
        da_dz = Chain(_d(a, z), (), df(fw.z1[j]), f"f'({z}) = {df_rule}")
        signals += [dl_da, da_dz]
        unit = ((dl_da.symbol, dl_da.value), (da_dz.symbol, da_dz.value))
        for k, xk in enumerate(x):  # dz1_j/dw1_jk = x_k
            w = f"w_{{1,{u}{k + 1}}}"
            grads[f"w1_{u}{k + 1}"] = _chain(_d("L", w), *unit, (_d(z, w), xk))
        b = f"b_{{1,{u}}}"
        grads[f"b1_{u}"] = _chain(_d("L", b), *unit, (_d(z, b), 1.0))
    return fw, signals, grads


def sgd_step(net: TinyNet, grads: dict[str, Chain], lr: float) -> TinyNet:
    """One gradient-descent step on every parameter: p <- p - lr dL/dp."""
    return TinyNet.from_flat({k: v - lr * grads[k].value for k, v in net.flat().items()})


def depth_product(activation: str, z: float, max_depth: int) -> list[float]:
    """prod_{k=1}^{L} f'(z) = f'(z)^L for L = 1..max_depth: the factor the activations alone put
    on a gradient passing L layers back, when every layer sits at pre-activation z and every
    weight is 1. For sigmoid f' <= 1/4, so the best case is 0.25^L."""
    return depth_products(activation, z, max_depth).tolist()  # one implementation, shared
