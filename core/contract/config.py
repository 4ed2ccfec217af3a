"""Lab configs; the one codec that turns them into URL params, CLI flags and stored keys is
core/contract/codec.py, its names re-exported here (`from core.contract.config import to_params`).

Every lab has ONE frozen dataclass. Its field names are public: they are the URL query
parameters of a share link, the `python -m core train` flags, and the keys stored with a run.
Add fields; never rename one.

Each field declares its domain in `metadata` (`choices`, or `min`/`max`), a label and a help
line, so the parser, the CLI and the page widgets all read the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from core.base.i18n import N_, _
from core.contract.activations import ACTIVATIONS
from core.contract.codec import (
    DERIVED,
    ConfigError,
    changed_fields,
    field_specs,
    format_value,
    from_dict_strict,
    from_params,
    from_stored,
    parse_value,
    to_params,
)
from core.contract.datasets import DATASETS

INITS = ("auto", "default", "xavier", "he")
IMAGE_SETS = (
    "digits",
    "mnist",
    "fashion_mnist",
    "cifar10",
)  # == engine.image_data.IMAGE_DATASETS (tested)
POOLS = ("max", "avg", "none")
SCHEDULES = ("constant", "cosine")
MAX_CHANNELS = 256
OPTIMIZERS = ("sgd", "adam")


def parse_channels(text: str) -> str:
    """Channel counts per conv layer as '8,16': 0 to 4 whole numbers from 1 to MAX_CHANNELS."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    if len(parts) > 4:
        raise ConfigError(_("channels: {text!r} lists {n} layers; at most 4").format(text=text, n=len(parts)))
    for p in parts:
        if not p.isdigit() or not 1 <= int(p) <= MAX_CHANNELS:
            raise ConfigError(
                _("channels: {p!r} is not a whole number from 1 to {max}").format(p=p, max=MAX_CHANNELS)
            )
    return ",".join(str(int(p)) for p in parts)


def parse_padding(text: str) -> str:
    """Zero padding per side: 'same' (k // 2, keeps the size for odd kernels) or 0 to 3."""
    t = str(text).strip().lower()
    if t == "same" or (t.isdigit() and int(t) <= 3):
        return t if t == "same" else str(int(t))
    raise ConfigError(_("padding: {text!r} is not 'same' or a whole number from 0 to 3").format(text=text))


def _f(default: Any, label: str, help: str, **rules: Any) -> Any:
    """A config field with its label, help line and domain (`choices` or `min`/`max`)."""
    return field(default=default, metadata={"label": label, "help": help, **rules})


config_field = _f  # public name for other modules' config-like dataclasses


@dataclass(frozen=True)
class MLPConfig:
    """One MLP experiment on 2-D data: data, architecture, optimiser, seed."""

    dataset: str = _f("spiral", N_("Data set"), N_("which 2-D problem to learn"), choices=tuple(DATASETS))
    n_samples: int = _f(
        1000, N_("Points"), N_("points generated in all (train + validation)"), min=20, max=10000
    )
    noise: float = _f(
        0.1, N_("Noise"), N_("standard deviation of the noise added to each point"), min=0.0, max=1.0
    )
    val_fraction: float = _f(
        0.3, N_("Validation fraction"), N_("share of points held out for validation"), min=0.05, max=0.9
    )
    depth: int = _f(4, N_("Hidden layers"), N_("number of hidden layers"), min=1, max=20)
    width: int = _f(32, N_("Width"), N_("units in each hidden layer"), min=1, max=256)
    activation: str = _f(
        "relu", N_("Activation"), N_("non-linearity after each hidden layer"), choices=tuple(ACTIVATIONS)
    )
    init: str = _f(
        "auto",
        N_("Init"),
        N_("weight initialisation; auto = He for ReLU-like, Xavier otherwise"),
        choices=INITS,
    )
    dropout: float = _f(
        0.0, N_("Dropout"), N_("probability of zeroing each hidden unit while training"), min=0.0, max=0.9
    )
    batch_norm: bool = _f(False, N_("Batch norm"), N_("normalise each hidden layer's pre-activations"))
    residual: bool = _f(False, N_("Residual"), N_("add each hidden layer's input to its output (skip)"))
    optimizer: str = _f(
        "adam", N_("Optimizer"), N_("sgd (with the momentum below) or adam"), choices=OPTIMIZERS
    )
    lr: float = _f(0.01, N_("Learning rate"), N_("step size"), min=1e-5, max=10.0, log=True)
    momentum: float = _f(
        0.9, N_("Momentum"), N_("SGD momentum (0 = plain SGD); unused by adam"), min=0.0, max=0.99
    )
    weight_decay: float = _f(0.0, N_("Weight decay"), N_("L2 penalty on the weights"), min=0.0, max=1.0)
    batch_size: int = _f(32, N_("Batch size"), N_("points per gradient step"), min=1, max=4096)
    epochs: int = _f(50, N_("Epochs"), N_("passes over the training set"), min=1, max=500)
    seed: int = _f(
        0, N_("Seed"), N_("one seed for data, split, init, batch order and dropout"), min=0, max=2**31 - 1
    )


@dataclass(frozen=True)
class CNNConfig:
    """One CNN experiment on images: data, conv stack, dense head, optimiser, seed."""

    dataset: str = _f(
        "digits", N_("Data set"), N_("which images to learn (digits ship with the app)"), choices=IMAGE_SETS
    )
    n_train: int = _f(
        1400, N_("Training images"), N_("images to train on (a subset, for speed)"), min=50, max=60000
    )
    val_fraction: float = _f(
        0.2, N_("Validation fraction"), N_("share of the images held out for validation"), min=0.05, max=0.5
    )
    conv_layers: int = _f(
        2, N_("Conv layers"), N_("convolution blocks; 0 gives a dense net on the pixels"), min=0, max=4
    )
    channels: str = _f(
        "8,16",
        N_("Channels"),
        N_("output channels of each conv layer, comma-separated"),
        parse=parse_channels,
    )
    kernel_size: int = _f(3, N_("Kernel size"), N_("each conv filter is k x k pixels"), min=1, max=7)
    stride: int = _f(1, N_("Stride"), N_("pixels the filter moves between outputs"), min=1, max=3)
    padding: str = _f(
        "same", N_("Padding"), N_("zeros added on each side: same (= k // 2) or 0-3"), parse=parse_padding
    )
    pool: str = _f(
        "max", N_("Pooling"), N_("2x2 pooling after each conv block (halves height and width)"), choices=POOLS
    )
    activation: str = _f(
        "relu",
        N_("Activation"),
        N_("non-linearity after each conv and dense layer"),
        choices=tuple(ACTIVATIONS),
    )
    init: str = _f(
        "auto",
        N_("Init"),
        N_("weight initialisation; auto = He for ReLU-like, Xavier otherwise"),
        choices=INITS,
    )
    dropout: float = _f(
        0.0, N_("Dropout"), N_("probability of zeroing each dense unit while training"), min=0.0, max=0.9
    )
    batch_norm: bool = _f(True, N_("Batch norm"), N_("normalise each conv layer's outputs per channel"))
    dense_width: int = _f(
        64, N_("Dense width"), N_("units in the hidden dense layer (0: none)"), min=0, max=1024
    )
    optimizer: str = _f(
        "adam", N_("Optimizer"), N_("sgd (with the momentum below) or adam"), choices=OPTIMIZERS
    )
    lr: float = _f(0.003, N_("Learning rate"), N_("step size"), min=1e-5, max=10.0, log=True)
    lr_schedule: str = _f(
        "constant",
        N_("LR schedule"),
        N_("constant, or cosine: from lr down to 0 over the epochs"),
        choices=SCHEDULES,
    )
    momentum: float = _f(
        0.9, N_("Momentum"), N_("SGD momentum (0 = plain SGD); unused by adam"), min=0.0, max=0.99
    )
    weight_decay: float = _f(0.0, N_("Weight decay"), N_("L2 penalty on the weights"), min=0.0, max=1.0)
    batch_size: int = _f(32, N_("Batch size"), N_("images per gradient step"), min=1, max=4096)
    epochs: int = _f(15, N_("Epochs"), N_("passes over the training images"), min=1, max=200)
    seed: int = _f(
        0, N_("Seed"), N_("one seed for the split, init, batch order and dropout"), min=0, max=2**31 - 1
    )

    @property
    def channel_list(self) -> list[int]:
        """`channels` as numbers (empty when the text is not valid)."""
        try:
            text = parse_channels(self.channels)
        except ConfigError:
            return []
        return [int(c) for c in text.split(",")] if text else []

    @property
    def pad(self) -> int:
        """Padding in pixels per side."""
        return self.kernel_size // 2 if self.padding == "same" else int(self.padding)


__all__ = [
    "MLPConfig",
    "CNNConfig",
    "ConfigError",
    "INITS",
    "OPTIMIZERS",
    "field_specs",
    "parse_value",
    "format_value",
    "to_params",
    "from_params",
    "from_dict_strict",
    "from_stored",
    "DERIVED",
    "changed_fields",
    "replace",
]
