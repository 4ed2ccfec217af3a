"""What dropout, batch norm and initialisation do, computed on small real tensors for the labs'
"how it works" section (the same modules the labs train with; tests check them against torch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from core.base.i18n import N_
from core.contract.activations import ACTIVATIONS
from core.contract.config import MLPConfig, replace
from core.engine.models import SeededDropout, build_mlp, resolve_init


@dataclass(frozen=True)
class DropoutDemo:
    """One dropout draw on eight activations, and what evaluation does instead."""

    p: float
    x: list[float]  # the activations coming in
    keep: list[bool]  # the random mask: True = kept
    train: list[float]  # training mode: kept values scaled by 1 / (1 - p), the rest 0
    eval: list[float]  # evaluation mode: the input, untouched
    mean_in: float
    mean_out_many: float  # the mean output over many draws: the same as mean_in on average


def dropout_demo(p: float, seed: int = 0, n: int = 8, draws: int = 4000) -> DropoutDemo:
    """Dropout at rate p (0.5 when p is 0, to show it) with the lab's seeded dropout module."""
    p = p if p > 0 else 0.5
    x = torch.linspace(0.2, 1.6, n)
    drop = SeededDropout(p, torch.Generator().manual_seed(seed)).train()
    y = drop(x)
    many = drop(x.expand(draws, n)).mean().item()  # E[y] = (1 - p) * x / (1 - p) = x
    return DropoutDemo(
        p, x.tolist(), (y != 0).tolist(), y.tolist(), drop.eval()(x).tolist(), x.mean().item(), many
    )


@dataclass(frozen=True)
class BatchNormDemo:
    """One batch through a batch-norm unit, in training and in evaluation mode."""

    batch: list[float]
    mean: float  # the batch's own mean ...
    var: float  # ... and (biased) variance, used to normalise in training
    normalised: list[float]  # (x - mean) / sqrt(var + eps)
    gamma: float
    beta: float
    train_out: list[float]  # gamma * normalised + beta
    running_mean: float  # after `batches` training batches (momentum 0.1)
    running_var: float
    eval_out: list[float]  # the same batch in evaluation mode: normalised with the running statistics
    batches: int


def batchnorm_demo(seed: int = 0, batches: int = 20, gamma: float = 2.0, beta: float = 0.5) -> BatchNormDemo:
    """A one-feature BatchNorm1d (as after a hidden layer's linear map), with gamma and beta set."""
    g = torch.Generator().manual_seed(seed)
    bn = nn.BatchNorm1d(1)
    with torch.no_grad():
        bn.weight.fill_(gamma)
        bn.bias.fill_(beta)
    bn.train()
    batch = (3.0 + 2.0 * torch.randn(6, 1, generator=g)).round(decimals=2)
    out = bn(batch)
    for _ in range(batches - 1):  # more training batches from the same distribution
        bn(3.0 + 2.0 * torch.randn(6, 1, generator=g))
    bn.eval()
    mean, var = batch.mean().item(), batch.var(unbiased=False).item()
    with torch.no_grad():
        eval_out = bn(batch)
    return BatchNormDemo(
        batch.flatten().tolist(),
        mean,
        var,
        ((batch - mean) / math.sqrt(var + bn.eps)).flatten().tolist(),
        gamma,
        beta,
        out.detach().flatten().tolist(),
        bn.running_mean.item(),
        bn.running_var.item(),
        eval_out.flatten().tolist(),
        batches,
    )


INIT_WHY = {
    "default": N_(
        "PyTorch's own rule, whatever the activation: fan_in · Var(w) = 1/3, so each layer divides "
        "the signal's variance by about 3 before the activation: a deep net's signal fades until "
        "little but the biases' own noise is left"
    ),
    "xavier": N_(
        "the average of 1/fan_in (keeps the forward signal's variance) and 1/fan_out (keeps the "
        "backward gradient's), times the activation's gain: made for tanh and sigmoid"
    ),
    "he": N_(
        "ReLU zeroes about half of its inputs, halving the variance; a gain of √2 (twice the "
        "variance) puts it back, so the signal keeps its size layer after layer"
    ),
}


def init_variance(init: str, fan_in: int, fan_out: int, gain: float) -> float:
    """The variance of each weight an init draws (PyTorch's `default` ignores the gain):
    default U(+-1/sqrt(fan_in)): 1 / (3 fan_in); xavier U(+-a), a = gain sqrt(6 / (fan_in +
    fan_out)): gain^2 * 2 / (fan_in + fan_out); he N(0, gain^2 / fan_in): gain^2 / fan_in."""
    if init == "default":
        return 1 / (3 * fan_in)
    if init == "xavier":
        return gain**2 * 2 / (fan_in + fan_out)
    if init == "he":
        return gain**2 / fan_in
    raise ValueError(f"unknown init {init!r}")


@torch.no_grad()
def signal_through_depth(cfg: MLPConfig, x: Tensor) -> dict[str, list[float]]:
    """Per init: the standard deviation of each hidden layer's output at initialisation, for the
    config's depth, width and activation, on inputs x (no dropout, no batch norm: the init alone).
    A steady line keeps signals, and so gradients, alive; a falling one starves the deep layers."""
    out = {}
    for init in ("default", "xavier", "he"):
        model = build_mlp(
            replace(cfg, init=init, dropout=0.0, batch_norm=False, residual=False), x.shape[1], 2
        )
        h, stds = x, []
        for name, block in model.named_children():
            if name == "out":
                break
            h = block(h)
            stds.append(h.std().item())
        out[init] = stds
    return out


def init_table(cfg: MLPConfig, fan_in: int) -> list[tuple[str, float, str]]:
    """(init, weight variance for a hidden layer of this width, why) for the config's activation."""
    gain = ACTIVATIONS[cfg.activation].gain
    return [(init, init_variance(init, fan_in, cfg.width, gain), INIT_WHY[init]) for init in INIT_WHY]


def auto_init(activation: str) -> str:
    """What init `auto` picks for an activation."""
    return resolve_init("auto", activation)
