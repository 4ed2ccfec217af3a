"""ACTIVATIONS: name -> the module the models use, f(x), its analytic derivative f'(x), and facts.

The derivatives are written out by hand (they are the lesson); tests check them against
torch autograd. `family` says what goes wrong with each: "saturating" functions (sigmoid,
tanh) flatten at both ends, "rectifier" functions (ReLU) can die on the negative side.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

SQRT_2PI = math.sqrt(2 * math.pi)
LEAKY_SLOPE = 0.01  # torch's default negative slope


@dataclass(frozen=True)
class Activation:
    """One activation: its module factory, f, f', family and the derivative's maximum."""

    name: str
    module: Callable[[], nn.Module]
    f: Callable[[Tensor], Tensor]
    df: Callable[[Tensor], Tensor]
    family: str  # "saturating", "rectifier" or "linear"
    max_grad: float  # max over x of f'(x): the best case for a gradient passing through
    gain: float  # nn.init.calculate_gain value used by Xavier/He init
    formula: str  # LaTeX, for the pages


def _sigmoid_df(x: Tensor) -> Tensor:
    s = torch.sigmoid(x)
    return s * (1 - s)  # sigma'(x) = sigma(x)(1 - sigma(x)) <= 1/4


def _gelu_df(x: Tensor) -> Tensor:
    # GELU(x) = x Phi(x)  =>  GELU'(x) = Phi(x) + x phi(x)
    cdf = 0.5 * (1 + torch.erf(x / math.sqrt(2)))
    pdf = torch.exp(-0.5 * x * x) / SQRT_2PI
    return cdf + x * pdf


def _elu_df(x: Tensor) -> Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.exp(x))  # alpha = 1


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "relu",
            nn.ReLU,
            torch.relu,
            lambda x: (x > 0).to(x.dtype),
            "rectifier",
            1.0,
            math.sqrt(2),
            r"\max(0, x)",
        ),
        Activation(
            "sigmoid",
            nn.Sigmoid,
            torch.sigmoid,
            _sigmoid_df,
            "saturating",
            0.25,
            1.0,
            r"\frac{1}{1 + e^{-x}}",
        ),
        Activation(
            "tanh",
            nn.Tanh,
            torch.tanh,
            lambda x: 1 - torch.tanh(x) ** 2,
            "saturating",
            1.0,
            5 / 3,
            r"\tanh x",
        ),
        Activation(
            "leaky_relu",
            nn.LeakyReLU,
            lambda x: torch.nn.functional.leaky_relu(x, LEAKY_SLOPE),
            lambda x: torch.where(x > 0, torch.ones_like(x), torch.full_like(x, LEAKY_SLOPE)),
            "rectifier",
            1.0,
            math.sqrt(2 / (1 + LEAKY_SLOPE**2)),
            r"\max(0.01x, x)",
        ),
        Activation(
            "elu",
            nn.ELU,
            torch.nn.functional.elu,
            _elu_df,
            "rectifier",
            1.0,
            math.sqrt(2),
            r"\begin{cases}x & x>0\\e^x - 1 & x\le 0\end{cases}",
        ),
        Activation(
            "gelu",
            nn.GELU,
            torch.nn.functional.gelu,
            _gelu_df,
            "rectifier",
            1.1289,
            math.sqrt(2),
            r"x\,\Phi(x)",
        ),
        Activation(
            "softplus",
            nn.Softplus,
            torch.nn.functional.softplus,
            torch.sigmoid,  # d/dx log(1 + e^x) = e^x / (1 + e^x) = sigma(x)
            "rectifier",
            1.0,  # approached as x -> infinity
            math.sqrt(2),
            r"\log(1 + e^x)",
        ),
        Activation("linear", nn.Identity, lambda x: x, torch.ones_like, "linear", 1.0, 1.0, "x"),
    ]
}

# Saturation threshold: a unit is "saturated" where f'(z) is below 10% of the best case,
# i.e. it passes back less than a tenth of the gradient it could.
SATURATION = 0.1
