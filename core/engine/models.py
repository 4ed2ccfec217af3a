"""build_mlp(cfg): the MLP as an nn.Sequential with stable layer names, initialised from the seed.

Layer names are public (charts, stored runs, CLI JSON): hidden blocks are `layer1`..`layerN`
(input side first) and the classifier is `out`. Each block is Linear -> [BatchNorm] ->
activation -> [Dropout], with an optional skip connection where input and output widths match.

Randomness never touches torch's global RNG: init and dropout draw from one torch.Generator
seeded by the config, so two sessions training at once in one server stay reproducible.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
from torch import Tensor, nn

from core.contract.activations import ACTIVATIONS


class SeededDropout(nn.Module):
    """Inverted dropout drawing its masks from a seeded generator (nn.Dropout uses the global RNG).

    Masks are drawn on the device the activations are on: from the given CPU generator on the
    CPU; elsewhere (a GPU) from one generator of that device, seeded once from the CPU
    generator, so a run is as reproducible on a GPU as on the CPU (a CUDA tensor refuses a
    CPU generator).
    """

    def __init__(self, p: float, generator: torch.Generator) -> None:
        super().__init__()
        self.p, self.generator = p, generator
        self._device_generator: torch.Generator | None = None

    def generator_for(self, device: torch.device) -> torch.Generator:
        """The generator that draws masks on `device`."""
        if device.type == "cpu":
            return self.generator
        if self._device_generator is None or self._device_generator.device != device:
            seed = int(torch.randint(2**62, (), generator=self.generator))  # a seeded draw
            self._device_generator = torch.Generator(device=device).manual_seed(seed)
        return self._device_generator

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator_for(x.device))
        return x * keep / (1 - self.p)  # scale so the expected activation is unchanged

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Block(nn.Module):
    """One hidden layer: linear -> [bn] -> act -> [dropout], plus x if residual."""

    def __init__(
        self,
        n_in: int,
        n_out: int,
        act: str,
        batch_norm: bool,
        dropout: float,
        residual: bool,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=not batch_norm)  # BN's shift replaces the bias
        self.bn = nn.BatchNorm1d(n_out) if batch_norm else nn.Identity()
        self.act = ACTIVATIONS[act].module()
        self.drop = SeededDropout(dropout, generator) if dropout > 0 else nn.Identity()
        self.residual = residual and n_in == n_out

    def forward(self, x: Tensor) -> Tensor:  # (N, n_in) -> (N, n_out)
        y = self.drop(self.act(self.bn(self.linear(x))))
        return x + y if self.residual else y


def resolve_init(init: str, activation: str) -> str:
    """`auto` picks the init that keeps signals steady: He for ReLU-like units, Xavier otherwise."""
    if init != "auto":
        return init
    return "he" if ACTIVATIONS[activation].family == "rectifier" else "xavier"


def init_linear(layer: nn.Linear | nn.Conv2d, init: str, gain: float, g: torch.Generator) -> None:
    """Initialise one Linear or Conv2d layer from generator g (fan_in = inputs per output unit:
    in_features, or in_channels * k * k for a convolution).

    default: PyTorch's own rule, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and bias.
    xavier:  U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) keeps variance both ways.
    he:      N(0, gain^2 / fan_in), gain = sqrt(2) for ReLU: keeps forward variance at 1.
    """
    fan_in = layer.weight[0].numel()
    with torch.no_grad():
        if init == "default":
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=g)
        elif init == "xavier":
            nn.init.xavier_uniform_(layer.weight, gain=gain, generator=g)
        elif init == "he":
            layer.weight.normal_(0, gain / math.sqrt(fan_in), generator=g)
        else:
            raise ValueError(f"unknown init {init!r}")
        if layer.bias is not None:
            if init == "default":
                bound = 1 / math.sqrt(fan_in)
                layer.bias.uniform_(-bound, bound, generator=g)
            else:
                layer.bias.zero_()


def build_mlp(cfg, n_in: int = 2, n_classes: int = 2) -> nn.Sequential:
    """The MLP for a config: `depth` hidden blocks of `width` units and an `out` layer (logits)."""
    g = torch.Generator().manual_seed(cfg.seed)
    act = ACTIVATIONS[cfg.activation]
    init = resolve_init(cfg.init, cfg.activation)
    blocks: OrderedDict[str, nn.Module] = OrderedDict()
    with torch.device("meta"):  # no storage, and no draw from the global RNG by torch's own init
        for i in range(cfg.depth):
            blocks[f"layer{i + 1}"] = Block(
                n_in if i == 0 else cfg.width,
                cfg.width,
                cfg.activation,
                cfg.batch_norm,
                cfg.dropout,
                cfg.residual,
                g,
            )
        blocks["out"] = nn.Linear(cfg.width, n_classes)
        model = nn.Sequential(blocks)
    model = model.to_empty(device="cpu")
    for name, module in model.named_children():
        linear = module if isinstance(module, nn.Linear) else module.linear
        init_linear(linear, init, 1.0 if name == "out" else act.gain, g)
        if isinstance(getattr(module, "bn", None), nn.BatchNorm1d):
            module.bn.reset_parameters()  # weight 1, bias 0, fresh running statistics
    return model


def weight_layers(model: nn.Module) -> dict[str, nn.Linear | nn.Conv2d]:
    """Layer name -> the module holding its weight matrix, input side first."""
    out = {}
    for name, module in model.named_children():
        for m in [module, *module.modules()]:
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                out[name] = m
                break
    return out


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
