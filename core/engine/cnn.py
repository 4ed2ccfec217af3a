"""build_cnn(cfg): the CNN lab's network, and its architecture worked out before it is built.

Layer names are public (charts, stored runs, CLI JSON): conv blocks are `conv1`..`convN`
(input side first), then `flatten`, the hidden dense layer `dense1` (when dense_width > 0) and
the classifier `out`. A conv block is Conv2d -> [BatchNorm2d] -> activation -> [2x2 pool].

With conv_layers = 0 the channel list is ignored: the net is the dense baseline on the pixels.
`architecture(cfg, shape)` walks the same stack with the output-size formula
floor((n + 2p - k) / s) + 1, so a config that cannot work is explained in words (never as a
torch traceback), and the layer table (shapes, parameters, receptive fields, and what a dense
layer of the same output size would cost) needs no model at all.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from core.base.i18n import _
from core.contract.activations import ACTIVATIONS
from core.contract.config import CNNConfig
from core.engine.models import Block, SeededDropout, init_linear, resolve_init

POOL = 2  # pooling window and stride: 2x2, halves height and width


class ConvBlock(nn.Module):
    """conv -> [bn] -> act -> [pool]; each stage a named child so its output can be watched."""

    def __init__(self, c_in: int, c_out: int, cfg: CNNConfig) -> None:
        super().__init__()
        k, bn = cfg.kernel_size, cfg.batch_norm
        self.conv = nn.Conv2d(c_in, c_out, k, stride=cfg.stride, padding=cfg.pad, bias=not bn)
        self.bn = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.act = ACTIVATIONS[cfg.activation].module()
        pools = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
        self.pool = pools[cfg.pool](POOL) if cfg.pool in pools else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:  # (N, c_in, H, W) -> (N, c_out, H', W')
        return self.pool(self.act(self.bn(self.conv(x))))


@dataclass(frozen=True)
class LayerRow:
    """One row of the layer table."""

    name: str  # conv1, conv1 pool, flatten, dense1, out
    kind: str  # "Conv2d 3x3, stride 1, pad 1", "MaxPool 2x2", ...
    shape: tuple[int, ...]  # output shape per image: (C, H, W) or (units,)
    params: int
    receptive_field: int | None  # input pixels (per side) one output unit sees; None: the whole image
    dense_params: int  # a fully connected layer with the same input and output sizes


@dataclass(frozen=True)
class Architecture:
    """The layer table and the reasons (if any) the config cannot be built."""

    rows: list[LayerRow]
    problems: list[str]

    @property
    def params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def dense_params(self) -> int:
        return sum(r.dense_params for r in self.rows)


def out_size(n: int, k: int, s: int, p: int) -> int:
    """Output size of a convolution or pooling along one side: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def _units(shape: tuple[int, ...]) -> int:
    out = 1
    for d in shape:
        out *= d
    return out


def architecture(cfg: CNNConfig, shape: tuple[int, int, int], n_classes: int = 10) -> Architecture:
    """Walk the config's layers from an input of `shape` (C, H, W); explain what cannot work."""
    problems: list[str] = []
    chans = cfg.channel_list[: cfg.conv_layers] if cfg.conv_layers == 0 else cfg.channel_list
    if cfg.conv_layers and cfg.channels.strip() and not chans:
        problems.append(
            _("Channels '{channels}' is not a list of whole numbers such as 8,16.").format(
                channels=cfg.channels
            )
        )
    elif len(chans) != cfg.conv_layers:
        hint = ",".join(str(8 * 2**i) for i in range(cfg.conv_layers)) or _("an empty list")
        problems.append(
            _(
                "{n} conv layers need {n} channel counts, but `channels` lists {m} ({channels}): give one "
                "per layer, e.g. {hint}."
            ).format(n=cfg.conv_layers, m=len(chans), channels=cfg.channels or _("none"), hint=hint)
        )
    rows: list[LayerRow] = []
    c, h, w = shape
    rf, jump = 1, 1  # receptive field and the input-pixel distance between neighbouring outputs
    k, s, p = cfg.kernel_size, cfg.stride, cfg.pad
    for i, c_out in enumerate(chans[: cfg.conv_layers] if not problems else [], start=1):
        n_in = _units((c, h, w))
        if min(h, w) + 2 * p < k:
            n = min(h, w)
            problems.append(
                _(
                    "conv{i}: its input is {h}x{w}; with padding {p} on each side that is {padded} pixels, "
                    "narrower than the {k}x{k} kernel: floor(({n} + 2·{p} − {k}) / {s}) + 1 = {out}. "
                    "Use fewer conv layers, a smaller kernel, more padding or no pooling."
                ).format(i=i, h=h, w=w, p=p, padded=n + 2 * p, k=k, n=n, s=s, out=out_size(n, k, s, p))
            )
            break
        h, w = out_size(h, k, s, p), out_size(w, k, s, p)
        rf, jump = rf + (k - 1) * jump, jump * s
        params = c * c_out * k * k + (2 * c_out if cfg.batch_norm else c_out)  # weights + bias or BN
        kind = _("Conv2d {k}x{k}, stride {s}, pad {p}").format(k=k, s=s, p=p) + (
            " + BatchNorm" if cfg.batch_norm else ""
        )
        rows.append(
            LayerRow(f"conv{i}", kind, (c_out, h, w), params, rf, n_in * c_out * h * w + c_out * h * w)
        )
        c = c_out
        if cfg.pool != "none":
            if min(h, w) < POOL:
                n = min(h, w)
                problems.append(
                    _(
                        "pool after conv{i}: a {h}x{w} map cannot be pooled {q}x{q}: "
                        "floor(({n} − {q}) / {q}) + 1 = {out}. Use fewer conv layers, stride 1, "
                        "or no pooling."
                    ).format(i=i, h=h, w=w, q=POOL, n=n, out=out_size(n, POOL, POOL, 0))
                )
                break
            h, w = out_size(h, POOL, POOL, 0), out_size(w, POOL, POOL, 0)
            rf, jump = rf + (POOL - 1) * jump, jump * POOL
            rows.append(
                LayerRow(f"conv{i} pool", f"{cfg.pool.capitalize()}Pool {POOL}x{POOL}", (c, h, w), 0, rf, 0)
            )
    if cfg.batch_norm and cfg.batch_size < 2:
        problems.append(_("Batch norm needs at least 2 images per batch: raise the batch size."))
    if problems:
        return Architecture(rows, problems)
    units = _units((c, h, w))
    rows.append(LayerRow("flatten", "Flatten", (units,), 0, None, 0))
    if cfg.dropout > 0 and not cfg.dense_width:
        kind = _("Dropout p={p:g} (training only)").format(p=cfg.dropout)
        rows.append(LayerRow("drop", kind, (units,), 0, None, 0))
    if cfg.dense_width:
        n = units * cfg.dense_width + cfg.dense_width
        rows.append(LayerRow("dense1", f"Linear {units} → {cfg.dense_width}", (cfg.dense_width,), n, None, n))
        units = cfg.dense_width
    n = units * n_classes + n_classes
    rows.append(LayerRow("out", f"Linear {units} → {n_classes}", (n_classes,), n, None, n))
    return Architecture(rows, problems)


def build_cnn(cfg: CNNConfig, shape: tuple[int, int, int] = (1, 8, 8), n_classes: int = 10) -> nn.Sequential:
    """The CNN for a config and input shape (C, H, W); raises ValueError with the reasons when
    `architecture` finds the config cannot work."""
    arch = architecture(cfg, shape, n_classes)
    if arch.problems:
        raise ValueError(" ".join(arch.problems))
    g = torch.Generator().manual_seed(cfg.seed)
    init = resolve_init(cfg.init, cfg.activation)
    gain = ACTIVATIONS[cfg.activation].gain
    flat = next(r.shape[0] for r in arch.rows if r.name == "flatten")
    parts: OrderedDict[str, nn.Module] = OrderedDict()
    with torch.device("meta"):  # no storage, and no draw from the global RNG by torch's own init
        c = shape[0]
        for i, c_out in enumerate(cfg.channel_list[: cfg.conv_layers], start=1):
            parts[f"conv{i}"] = ConvBlock(c, c_out, cfg)
            c = c_out
        parts["flatten"] = nn.Flatten()
        units = flat
        if cfg.dense_width:
            parts["dense1"] = Block(units, cfg.dense_width, cfg.activation, False, cfg.dropout, False, g)
            units = cfg.dense_width
        elif cfg.dropout > 0:
            parts["drop"] = SeededDropout(cfg.dropout, g)
        parts["out"] = nn.Linear(units, n_classes)
        model = nn.Sequential(parts)
    model = model.to_empty(device="cpu")
    for name, module in model.named_children():
        layer = getattr(module, "conv", None) or getattr(module, "linear", None) or module
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            init_linear(layer, init, 1.0 if name == "out" else gain, g)
        if isinstance(getattr(module, "bn", None), nn.BatchNorm2d):
            module.bn.reset_parameters()  # weight 1, bias 0, fresh running statistics
    return model
