"""Why backpropagation needs a slope: one tiny net trained by gradient descent twice, with a hard
step and with a sigmoid, everything else equal (data, starting weights, loss, learning rate).

The step is 1 for z > 0 and 0 for z < 0. Its slope is 0 at every z except 0, where it jumps and
has no finite slope, so every chain-rule product through it is 0: autograd returns exactly zero
gradients and gradient descent never moves the weights. The sigmoid has a slope everywhere, and
learns. The step lives here only, for this lesson; it is not one of the labs' activations
(core.contract.activations.ACTIVATIONS), which must all be trainable.

    z = w . x + b  (one neuron)   or   h = f(W1 x + b1), z = w2 . h + b2   (a hidden layer)
    ŷ = f(z),  L = mean((ŷ - y)^2),  p <- p - lr dL/dp   (full-batch gradient descent, float64)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


def step(z: Tensor) -> Tensor:
    """The Heaviside step: 1 for z > 0, 0 for z < 0 (1/2 at exactly 0). Written with torch.sign,
    whose autograd derivative is 0 everywhere, as the step's own slope is away from its jump;
    (z > 0).float() would give the same values but cut the graph, so autograd could not run."""
    return (torch.sign(z) + 1) / 2


STEP_OR_SIGMOID: dict[str, Callable[[Tensor], Tensor]] = {"step": step, "sigmoid": torch.sigmoid}


@dataclass(frozen=True)
class GDRun:
    """One training run: the loss before each update and after the last, |dL/dp| at each update,
    the parameters before and after, and the share of points right at the end (ŷ >= 1/2)."""

    activation: str
    losses: tuple[float, ...]  # epochs + 1 values
    grad_norms: tuple[float, ...]  # epochs values
    start: tuple[float, ...]
    end: tuple[float, ...]
    accuracy: float

    @property
    def moved(self) -> float:
        """How far the weights travelled: the distance between the start and the end."""
        return math.dist(self.start, self.end)


def init_params(seed: int, hidden: int = 0) -> list[Tensor]:
    """Seeded weights, uniform in [-1, 1]: [w (2,), b] for one neuron, [W1 (h, 2), b1 (h,), w2 (h,),
    b2] with a hidden layer. Both activations start from these same numbers."""
    g = torch.Generator().manual_seed(seed)
    shapes = [(2,), ()] if hidden == 0 else [(hidden, 2), (hidden,), (hidden,), ()]
    return [torch.rand(s, generator=g, dtype=torch.float64) * 2 - 1 for s in shapes]


def predict(params: list[Tensor], x: Tensor, activation: str) -> Tensor:
    """ŷ for every point of x (N, 2): the activation after every layer, the output included."""
    f = STEP_OR_SIGMOID[activation]
    if len(params) == 2:
        w, b = params
        return f(x @ w + b)  # (N,)
    w1, b1, w2, b2 = params
    return f(f(x @ w1.T + b1) @ w2 + b2)  # (N, h) -> (N,)


def train_gd(
    activation: str, x: np.ndarray, y: np.ndarray, lr: float, epochs: int, seed: int, hidden: int = 0
) -> GDRun:
    """Full-batch gradient descent with autograd's gradients: the loop is the algorithm."""
    xt, yt = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    params = [p.requires_grad_() for p in init_params(seed, hidden)]
    start = torch.cat([p.detach().flatten() for p in params]).tolist()
    losses, norms = [], []
    for _epoch in range(epochs):
        loss = ((predict(params, xt, activation) - yt) ** 2).mean()  # 1. forward
        grads = torch.autograd.grad(loss, params)  # 2. backward: dL/dp for every parameter
        norms.append(math.sqrt(sum(float((g**2).sum()) for g in grads)))
        losses.append(float(loss.detach()))
        with torch.no_grad():  # 3. update: p <- p - lr dL/dp
            for p, g in zip(params, grads):
                p -= lr * g
    with torch.no_grad():
        y_hat = predict(params, xt, activation)
        losses.append(float(((y_hat - yt) ** 2).mean()))
        accuracy = float(((y_hat >= 0.5).to(yt.dtype) == yt).double().mean())
    end = torch.cat([p.detach().flatten() for p in params]).tolist()
    return GDRun(activation, tuple(losses), tuple(norms), tuple(start), tuple(end), accuracy)
