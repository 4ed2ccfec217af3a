"""One neuron and the perceptron: z = w.x + b, a = f(z), and Rosenblatt's learning rule.

The neuron uses the same ACTIVATIONS registry as the labs. The perceptron is a neuron whose
activation is a hard step, ŷ = 1 if z >= 0 else 0, trained one point at a time with

    w <- w + lr (y - ŷ) x,    b <- b + lr (y - ŷ)

which moves the line only when a point is on the wrong side. If some line separates the two
classes it stops after finitely many mistakes (Novikoff: at most (R / gamma)^2 from w = 0);
if none does (XOR) every epoch makes at least one mistake, for ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.base.i18n import N_
from core.contract.activations import ACTIVATIONS

# 0 and 1 at the corners of the unit square: the truth tables of the logic gates.
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]), "XOR": np.array([0, 1, 1, 0])}
PERCEPTRON_SETS = ("AND", "OR", "XOR", "cloud")
CLOUD_MARGIN = 0.15  # no point closer than this to the hidden separating line


@dataclass(frozen=True)
class NeuronOutput:
    """One neuron's forward pass: the weighted sum z, the output a = f(z) and the slope f'(z)."""

    z: float
    a: float
    slope: float


def neuron_forward(x: list[float], w: list[float], b: float, activation: str) -> NeuronOutput:
    """z = sum_i w_i x_i + b, then a = f(z) with f from the ACTIVATIONS registry."""
    assert len(x) == len(w), "one weight per input"
    z = sum(wi * xi for wi, xi in zip(w, x)) + b
    act = ACTIVATIONS[activation]
    zt = torch.tensor(z, dtype=torch.float64)
    return NeuronOutput(z=z, a=float(act.f(zt)), slope=float(act.df(zt)))


def perceptron_data(name: str, seed: int = 0, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Points (N, 2) and 0/1 labels (N,): a logic gate's truth table, or a separable cloud."""
    if name in GATES:
        return CORNERS.copy(), GATES[name].copy()
    if name != "cloud":
        raise KeyError(f"unknown perceptron data set {name!r}; one of {', '.join(PERCEPTRON_SETS)}")
    # A hidden line through the origin region at a random angle; points closer than the
    # margin are redrawn, so the classes are separable with room to spare.
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal, offset = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.3, 0.3)
    pts: list[np.ndarray] = []
    while len(pts) < n:
        p = rng.uniform(-1, 1, 2)
        if abs(p @ normal - offset) >= CLOUD_MARGIN:
            pts.append(p)
    x = np.array(pts)
    y = (x @ normal - offset > 0).astype(np.int64)
    if y.min() == y.max():  # all on one side (unlikely): flip half so both classes exist
        y[: n // 2] = 1 - y[: n // 2]
    return x, y


def predict(w: tuple[float, float], b: float, x: np.ndarray) -> np.ndarray:
    """The perceptron's step output: 1 where w.x + b >= 0, else 0."""
    return (x @ np.asarray(w) + b >= 0).astype(np.int64)


@dataclass(frozen=True)
class PerceptronState:
    """Weights, bias, and the mistakes made in each epoch so far."""

    # The page starts from a visible line, x2 = 2 x1 - 0.5, through no data point and wrong on
    # AND, OR and XOR alike; the convergence proofs start from w = 0, b = 0.
    w: tuple[float, float] = (-0.4, 0.2)
    b: float = 0.1
    errors: tuple[int, ...] = ()  # errors[k] = points misclassified while epoch k+1 ran
    log: tuple[dict, ...] = field(default=(), compare=False)  # the last epoch, point by point

    @property
    def epochs(self) -> int:
        """Epochs run so far."""
        return len(self.errors)

    @property
    def converged(self) -> bool:
        """True once an epoch made no mistake: the weights did not move, every point is right."""
        return bool(self.errors) and self.errors[-1] == 0


def perceptron_epoch(state: PerceptronState, x: np.ndarray, y: np.ndarray, lr: float) -> PerceptronState:
    """One pass over the points in order, updating after each mistake:
    w <- w + lr (y - ŷ) x, b <- b + lr (y - ŷ)."""
    w, b = np.array(state.w, dtype=float), float(state.b)
    mistakes, log = 0, []
    for xi, yi in zip(x, y):
        y_hat = int(xi @ w + b >= 0)
        delta = lr * (int(yi) - y_hat)  # 0 when right, +lr or -lr when wrong
        w, b = w + delta * xi, b + delta
        mistakes += delta != 0
        log.append(
            {
                "x1": xi[0],
                "x2": xi[1],
                "y": int(yi),
                "ŷ": y_hat,
                N_("w1 after"): w[0],
                N_("w2 after"): w[1],
                N_("b after"): b,
            }
        )
    return PerceptronState((float(w[0]), float(w[1])), b, (*state.errors, mistakes), tuple(log))


def perceptron_run(
    state: PerceptronState, x: np.ndarray, y: np.ndarray, lr: float, max_epochs: int = 100
) -> PerceptronState:
    """Epochs until one makes no mistake, or max_epochs more have run (XOR never stops)."""
    for _ in range(max_epochs):
        if state.converged:
            break
        state = perceptron_epoch(state, x, y, lr)
    return state
