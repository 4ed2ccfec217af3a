"""Lab configs and the one codec that turns them into URL params, CLI flags and stored keys.

Every lab has ONE frozen dataclass. Its field names are public: they are the URL query
parameters of a share link, the `python -m core train` flags, and the keys stored with a run.
Add fields; never rename one.

Each field declares its domain in `metadata` (`choices`, or `min`/`max`), a label and a help
line, so the parser, the CLI and the page widgets all read the same rules.
"""

from __future__ import annotations

import functools
import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any, TypeVar

from core.base.i18n import N_, _
from core.contract.activations import ACTIVATIONS
from core.contract.datasets import DATASETS

C = TypeVar("C")

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
TRUE = {"1", "true", "yes", "on", "t", "y"}
FALSE = {"0", "false", "no", "off", "f", "n"}


class ConfigError(ValueError):
    """A value that is not valid for a config field; the message names the field and the rule."""


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


def _type(cls: type, name: str) -> type:
    """The Python type of a field (annotations are strings under `from __future__`)."""
    return {"int": int, "float": float, "bool": bool, "str": str}[cls.__annotations__[name]]


@functools.cache
def field_specs(cls: type) -> dict[str, dict[str, Any]]:
    """name -> {type, default, label, help, choices/min/max} for every field of a config class;
    built once per class (a lab's controls read it for each of their widgets on every rerun), so
    read-only."""
    out = {}
    for f in fields(cls):
        assert f.default is not MISSING
        out[f.name] = {"type": _type(cls, f.name), "default": f.default, **f.metadata}
    return out


def parse_value(cls: type, name: str, raw: Any) -> Any:
    """Parse and check one field from text (or a native value); raise ConfigError with a reason."""
    specs = field_specs(cls)
    if name not in specs:
        raise ConfigError(_("{name}: unknown parameter").format(name=name))
    spec = specs[name]
    kind = spec["type"]
    text = str(raw).strip()
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise ConfigError(_("{name}: {text!r} is not true or false").format(name=name, text=text))
    if kind is str and "parse" in spec:
        return spec["parse"](text)
    if kind is str:
        if text not in spec["choices"]:
            choices = ", ".join(spec["choices"])
            raise ConfigError(
                _("{name}: {text!r} is not one of {choices}").format(name=name, text=text, choices=choices)
            )
        return text
    try:
        value = kind(text) if kind is float else _parse_int(text)
    except ValueError:
        rule = (
            _("{name}: {text!r} is not an integer") if kind is int else _("{name}: {text!r} is not a number")
        )
        raise ConfigError(rule.format(name=name, text=text)) from None
    if kind is float and not math.isfinite(value):
        raise ConfigError(_("{name}: {text!r} is not a finite number").format(name=name, text=text))
    lo, hi = spec.get("min"), spec.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(
            _("{name}: {text} is outside {lo:g} to {hi:g}").format(name=name, text=text, lo=lo, hi=hi)
        )
    return value


def _parse_int(text: str) -> int:
    """An integer from text; '5.0' is accepted, '5.5' is not."""
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


def format_value(value: Any) -> str:
    """Text for one field value, exact enough to parse back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # shortest text that round-trips
    return str(value)


def to_params(cfg: Any) -> dict[str, str]:
    """Every field as text: a share link holds the whole config, so later default changes
    cannot alter an old experiment."""
    return {k: format_value(v) for k, v in asdict(cfg).items()}


def from_params(cls: type[C], params: dict[str, Any]) -> tuple[C, list[str]]:
    """Lenient parse for URLs and stored runs: a bad value falls back to its default and
    yields one readable notice; unknown keys are reported and ignored."""
    values, notices = {}, []
    specs = field_specs(cls)
    for key, raw in params.items():
        if isinstance(raw, list):  # repeated URL key: the last one wins, as in browsers' forms
            raw = raw[-1] if raw else ""
        if key not in specs:
            notices.append(_("{key}: unknown parameter, ignored").format(key=key))
            continue
        try:
            values[key] = parse_value(cls, key, raw)
        except ConfigError as err:
            default = format_value(specs[key]["default"]) or _("(empty)")
            notices.append(_("{reason}; using the default {default}").format(reason=err, default=default))
    return cls(**values), notices


DERIVED = ("init_used", "grad_every")  # the trainer's, kept beside a stored config (older runs: inside)


def from_stored(cls: type[C], values: dict[str, Any]) -> tuple[C, list[str]]:
    """A stored or imported run's config through the same lenient codec as a URL: its public
    fields parsed and checked (a bad value falls back with a notice); the keys the trainer
    derived, which older runs kept inside the config, are dropped without one."""
    return from_params(cls, {k: v for k, v in values.items() if k not in DERIVED})


def from_dict_strict(cls: type[C], values: dict[str, Any]) -> C:
    """Strict parse (CLI, imports): the first bad or unknown value raises ConfigError."""
    return cls(**{k: parse_value(cls, k, v) for k, v in values.items()})


def changed_fields(a: Any, b: Any) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ between two configs of the same class: name -> (a, b)."""
    da, db = asdict(a), asdict(b)
    return {k: (da[k], db[k]) for k in da if da[k] != db[k]}


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
