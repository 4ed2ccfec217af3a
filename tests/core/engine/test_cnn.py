"""build_cnn / architecture against torch itself: shapes hooked from a real forward, parameter counts,
the dense comparison, problems that torch confirms, receptive fields measured with autograd, seeding
and init statistics."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from core.contract.config import CNNConfig, parse_channels, parse_padding
from core.engine.cnn import LayerRow, architecture, build_cnn, out_size
from core.engine.models import count_params

SHAPES = [(1, 8, 8), (1, 28, 28), (3, 32, 32)]
# floor((n + 2·p − k) / s) + 1 = v  (conv)   or   floor((n − k) / s) + 1 = v  (pool, no padding)
FORMULA = re.compile(r"floor\(\((\d+)(?: \+ 2·(\d+))? − (\d+)\) / (\d+)\) \+ 1 = (-?\d+)")


def cnn(**kw) -> CNNConfig:
    return CNNConfig(**kw)


def numel(*modules: nn.Module) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


def linear_numel(n_in: int, n_out: int) -> int:
    """What a real nn.Linear(n_in, n_out) holds (built on the meta device: no memory for big ones)."""
    layer = nn.Linear(n_in, n_out, device="meta")
    return layer.weight.numel() + layer.bias.numel()


# ----------------------------------------------------------------------------------- the reference walk
def torch_walk(cfg: CNNConfig, shape: tuple[int, int, int]) -> tuple[list[tuple[str, tuple]], dict | None]:
    """Plain torch layers built from the config by hand, run one at a time on a zero image:
    (name, output shape) per layer, and where torch refused (or gave an empty map), if it did."""
    x = torch.zeros(1, *shape)
    pad = cfg.kernel_size // 2 if cfg.padding == "same" else int(cfg.padding)
    chans = [int(c) for c in cfg.channels.split(",") if c]
    out = []
    for i, c_out in enumerate(chans, start=1):
        stages = [(f"conv{i}", nn.Conv2d(x.shape[1], c_out, cfg.kernel_size, cfg.stride, pad), pad)]
        if cfg.pool != "none":
            pool = nn.MaxPool2d(2) if cfg.pool == "max" else nn.AvgPool2d(2)
            stages.append((f"conv{i} pool", pool, 0))
        for name, layer, p in stages:
            n = x.shape[-1]
            try:
                x = layer(x)
            except RuntimeError as err:
                return out, {"layer": name, "n": n, "p": p, "error": str(err)}
            if x.numel() == 0:
                return out, {"layer": name, "n": n, "p": p, "error": "empty map"}
            out.append((name, tuple(x.shape[1:])))
    return out, None


def hooked_forward(model: nn.Sequential, shape: tuple[int, int, int]) -> dict[str, tuple]:
    """Per-image output shape of every conv, pool, flatten, dense1 and out module in a real forward."""
    seen: dict[str, tuple] = {}
    handles = []

    def watch(module: nn.Module, name: str) -> None:
        handles.append(
            module.register_forward_hook(lambda m, i, y: seen.__setitem__(name, tuple(y.shape[1:])))
        )

    for name, child in model.named_children():
        if name.startswith("conv"):
            watch(child.conv, name)
            if not isinstance(child.pool, nn.Identity):
                watch(child.pool, f"{name} pool")
        else:
            watch(child, name)
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(2, *shape, generator=torch.Generator().manual_seed(0)))
    for h in handles:
        h.remove()
    seen["logits"] = tuple(logits.shape)
    return seen


def check_rows_against_torch(cfg: CNNConfig, shape: tuple[int, int, int]) -> None:
    """Every row's shape, parameters and dense comparison, for a config with no problems."""
    arch = architecture(cfg, shape)
    assert not arch.problems
    model = build_cnn(cfg, shape)
    seen = hooked_forward(model, shape)
    assert seen["logits"] == (2, 10)
    # (a dropout module with no dense layer, `drop`, has no row: no parameters, same shape)
    assert [r.name for r in arch.rows] == [n for n in seen if n != "logits"]
    prev = shape
    for row in arch.rows:
        assert row.shape == seen[row.name], row.name
        if row.name.endswith(" pool") or row.name in ("flatten", "drop"):
            assert row.params == 0 and row.dense_params == 0
        else:
            module = model.get_submodule(row.name)
            assert row.params == numel(module), row.name  # conv + bias or batch norm; linear
            # a dense layer mapping the same input units to the same output units
            assert row.dense_params == linear_numel(math.prod(prev), math.prod(row.shape)), row.name
        prev = row.shape
    assert arch.params == count_params(model) == numel(model)
    assert arch.dense_params == sum(r.dense_params for r in arch.rows)


# ------------------------------------------------------------------------------------ valid configs
VALID = [
    ({}, (1, 8, 8)),
    ({"conv_layers": 0, "channels": ""}, (1, 8, 8)),
    ({"conv_layers": 1, "channels": "4", "pool": "none", "batch_norm": False}, (1, 8, 8)),
    ({"conv_layers": 3, "channels": "8,16,32", "padding": "1"}, (1, 8, 8)),
    ({"conv_layers": 2, "channels": "6,12", "kernel_size": 5, "padding": "0", "pool": "avg"}, (1, 28, 28)),
    ({"conv_layers": 4, "channels": "4,8,8,16", "kernel_size": 3, "stride": 1}, (1, 28, 28)),
    ({"conv_layers": 2, "channels": "16,32", "kernel_size": 7, "stride": 3, "pool": "none"}, (1, 28, 28)),
    ({"conv_layers": 3, "channels": "8,16,32", "batch_norm": False, "dense_width": 0}, (3, 32, 32)),
    ({"conv_layers": 2, "channels": "3,5", "kernel_size": 4, "padding": "same", "stride": 2}, (3, 32, 32)),
    ({"conv_layers": 1, "channels": "2", "kernel_size": 1, "padding": "3", "pool": "max"}, (3, 32, 32)),
    ({"conv_layers": 2, "channels": "4,4", "kernel_size": 2, "stride": 2, "pool": "none"}, (1, 8, 8)),
    ({"dense_width": 0, "dropout": 0.5}, (1, 28, 28)),
    ({"dense_width": 16, "dropout": 0.5, "conv_layers": 0, "channels": ""}, (3, 32, 32)),
]


@pytest.mark.parametrize(("kw", "shape"), VALID)
def test_rows_match_a_real_forward(kw, shape):
    check_rows_against_torch(cnn(**kw), shape)


@st.composite
def configs(draw) -> tuple[CNNConfig, tuple[int, int, int]]:
    n = draw(st.integers(0, 4))
    chans = draw(st.lists(st.integers(1, 12), min_size=n, max_size=n))
    cfg = CNNConfig(
        conv_layers=n,
        channels=",".join(map(str, chans)),
        kernel_size=draw(st.integers(1, 7)),
        stride=draw(st.integers(1, 3)),
        padding=draw(st.sampled_from(["same", "0", "1", "2", "3"])),
        pool=draw(st.sampled_from(["max", "avg", "none"])),
        batch_norm=draw(st.booleans()),
        dense_width=draw(st.sampled_from([0, 5, 32])),
        activation=draw(st.sampled_from(["relu", "tanh"])),
        dropout=draw(st.sampled_from([0.0, 0.3])),
    )
    return cfg, draw(st.sampled_from(SHAPES))


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_architecture_agrees_with_torch_on_random_configs(case):
    cfg, shape = case
    arch = architecture(cfg, shape)
    walked, failure = torch_walk(cfg, shape)
    if arch.problems:
        # not a false alarm: torch itself refuses this stack (or leaves an empty map)
        assert failure is not None, (cfg, arch.problems)
        explain_failure(arch.problems, failure, cfg)
        with pytest.raises(ValueError, match=r"floor\("):
            build_cnn(cfg, shape)
    else:
        assert failure is None, (cfg, failure)
        # the conv/pool rows are the hand-built torch stack's shapes, then the real model agrees
        assert [(r.name, r.shape) for r in arch.rows if r.name.startswith("conv")] == walked
        check_rows_against_torch(cfg, shape)


def explain_failure(problems: list[str], failure: dict, cfg: CNNConfig) -> None:
    """The message names the failing layer and gives the formula with the numbers torch saw."""
    assert len(problems) == 1
    text = problems[0]
    conv = " pool" not in failure["layer"]
    name = failure["layer"] if conv else f"pool after {failure['layer'].removesuffix(' pool')}"
    assert text.startswith(name + ":"), (text, failure)
    m = FORMULA.search(text)
    assert m, text
    n, p, k, s, value = m.groups()
    k_true, s_true = (cfg.kernel_size, cfg.stride) if conv else (2, 2)
    p_true = failure["p"] if conv else None
    assert int(n) == failure["n"] and int(k) == k_true and int(s) == s_true
    assert (int(p) if p is not None else None) == p_true
    n_, p_ = failure["n"], p_true or 0
    assert int(value) == math.floor((n_ + 2 * p_ - k_true) / s_true) + 1 <= 0  # no pixel left


@pytest.mark.parametrize(
    ("kw", "shape", "layer", "formula"),
    [
        # 8 -> pool 4 -> pool 2 -> pool 1 -> conv4 keeps 1x1, whose 2x2 pool is empty
        (
            {"conv_layers": 4, "channels": "8,16,32,64"},
            (1, 8, 8),
            "pool after conv4",
            "floor((1 − 2) / 2) + 1 = 0",
        ),
        # 8 -> conv 7x7, no padding -> 2 -> pool 1 -> a 7x7 kernel over 1 pixel
        (
            {"kernel_size": 7, "padding": "0"},
            (1, 8, 8),
            "conv2",
            "floor((1 + 2·0 − 7) / 1) + 1 = -5",
        ),
        (
            {"conv_layers": 1, "channels": "4", "kernel_size": 7, "padding": "0", "pool": "none"},
            (1, 5, 5),
            "conv1",
            "floor((5 + 2·0 − 7) / 1) + 1 = -1",
        ),
    ],
)
def test_known_impossible_configs_say_why_with_the_numbers(kw, shape, layer, formula):
    cfg = cnn(**kw)
    problems = architecture(cfg, shape).problems
    assert len(problems) == 1 and problems[0].startswith(layer + ":") and formula in problems[0]
    _, failure = torch_walk(cfg, shape)
    assert failure is not None  # torch agrees it cannot be done
    with pytest.raises(ValueError) as err:
        build_cnn(cfg, shape)
    assert formula in str(err.value)


def test_no_conv_layers_ignores_the_channel_list():
    """conv_layers = 0 is the dense baseline on the same pixels, whatever channels says."""
    for channels in ("8,16", "", "8,x"):
        arch = architecture(cnn(conv_layers=0, channels=channels), (1, 8, 8))
        assert arch.problems == []
        assert [r.name for r in arch.rows] == ["flatten", "dense1", "out"]
        model = build_cnn(cnn(conv_layers=0, channels=channels), (1, 8, 8))
        assert not any(isinstance(m, torch.nn.Conv2d) for m in model.modules())
        assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (
            {"conv_layers": 3, "channels": "8,16"},
            ["3 conv layers need 3 channel counts", "lists 2", "8,16,32"],
        ),
        ({"conv_layers": 1, "channels": "8,16"}, ["1 conv layers need 1 channel counts", "lists 2"]),
        ({"conv_layers": 2, "channels": ""}, ["2 conv layers need 2 channel counts", "lists 0"]),
        ({"conv_layers": 2, "channels": "8,x"}, ["'8,x'", "not a list of whole numbers"]),
    ],
)
def test_channel_count_mismatch_is_explained(kw, words):
    cfg = cnn(**kw)
    arch = architecture(cfg, (1, 8, 8))
    assert len(arch.problems) == 1
    for w in words:
        assert w in arch.problems[0]
    with pytest.raises(ValueError, match="(?i)channel"):
        build_cnn(cfg, (1, 8, 8))


def test_batch_norm_with_batch_size_one_is_a_problem():
    assert any("Batch norm" in p for p in architecture(cnn(batch_size=1), (1, 8, 8)).problems)
    assert not architecture(cnn(batch_size=1, batch_norm=False), (1, 8, 8)).problems


@pytest.mark.parametrize(
    "n, k, s, p", [(8, 3, 1, 1), (28, 5, 2, 0), (32, 7, 3, 3), (5, 2, 2, 0), (1, 1, 1, 0)]
)
def test_out_size_is_what_conv2d_gives(n, k, s, p):
    y = nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, n, n))
    assert out_size(n, k, s, p) == y.shape[-1]


def test_parsers():
    assert parse_channels(" 8, 16 ") == "8,16" and parse_channels("") == ""
    assert parse_padding("SAME") == "same" and parse_padding("02") == "2"
    for bad in ("8,x", "0", "1,2,3,4,5", "300"):
        with pytest.raises(ValueError):
            parse_channels(bad)
    for bad in ("4", "-1", "valid"):
        with pytest.raises(ValueError):
            parse_padding(bad)


# ---------------------------------------------------------------------------------- receptive fields
def measured_fields(cfg: CNNConfig, n: int) -> dict[str, tuple[int, int, bool]]:
    """Per conv/pool row: the (height, width) extent of the input pixels that move one central output
    unit, found by autograd, and whether that patch touches the image border (then n is too small).

    Positive constant weights, zero bias, no batch norm, ReLU on positive inputs (slope 1 everywhere)
    and average pooling (max pooling routes the gradient to one pixel): nothing cancels, so every
    pixel in the field gets a nonzero gradient."""
    probe = replace(cfg, batch_norm=False, activation="relu", channels=",".join(["2"] * cfg.conv_layers))
    probe = replace(probe, pool="avg" if cfg.pool != "none" else "none", dense_width=0)
    c = 1
    model = build_cnn(probe, (c, n, n))
    outputs: dict[str, torch.Tensor] = {}
    for name, block in model.named_children():
        if name.startswith("conv"):
            with torch.no_grad():
                block.conv.weight.fill_(1.0 / block.conv.weight[0].numel())
                block.conv.bias.zero_()
            block.conv.register_forward_hook(lambda m, i, y, name=name: outputs.__setitem__(name, y))
            if not isinstance(block.pool, nn.Identity):
                block.pool.register_forward_hook(
                    lambda m, i, y, name=name: outputs.__setitem__(f"{name} pool", y)
                )
    x = (torch.rand(1, c, n, n, generator=torch.Generator().manual_seed(1)) + 0.5).requires_grad_()
    model.eval()
    model(x)
    out = {}
    for name, y in outputs.items():
        (g,) = torch.autograd.grad(y[0, 0, y.shape[2] // 2, y.shape[3] // 2], x, retain_graph=True)
        rows = g[0].abs().sum(0).sum(1).nonzero().flatten()
        cols = g[0].abs().sum(0).sum(0).nonzero().flatten()
        edge = rows.min() == 0 or cols.min() == 0 or rows.max() == n - 1 or cols.max() == n - 1
        out[name] = (int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1), bool(edge))
    return out


RF_CASES = [
    ({}, (1, 8, 8)),
    ({"padding": "0", "batch_norm": False}, (1, 28, 28)),
    ({"conv_layers": 3, "channels": "4,4,4", "kernel_size": 5, "pool": "avg"}, (1, 28, 28)),
    ({"conv_layers": 2, "channels": "4,4", "kernel_size": 3, "stride": 2, "pool": "none"}, (1, 28, 28)),
    ({"conv_layers": 2, "channels": "4,4", "kernel_size": 1, "stride": 3, "pool": "max"}, (3, 32, 32)),
    ({"conv_layers": 4, "channels": "4,4,4,4", "kernel_size": 3, "padding": "3"}, (1, 8, 8)),
    ({"conv_layers": 2, "channels": "4,4", "kernel_size": 4, "stride": 3, "padding": "2"}, (3, 32, 32)),
    ({"conv_layers": 3, "channels": "4,4,4", "kernel_size": 7, "padding": "same"}, (1, 28, 28)),
]


@pytest.mark.parametrize(("kw", "shape"), RF_CASES)
def test_receptive_field_is_the_input_patch_autograd_finds(kw, shape):
    cfg = cnn(**kw)
    rows = {r.name: r.receptive_field for r in architecture(cfg, shape).rows if r.name.startswith("conv")}
    assert rows, "the case should have conv rows"
    n = max(shape[1:])
    while True:  # a field that passes the image's edge (padding) is measured on a bigger input
        big = architecture(cfg, (1, n, n))
        assert not big.problems
        # the receptive field does not depend on the input size
        assert {r.name: r.receptive_field for r in big.rows if r.name.startswith("conv")} == rows
        measured = measured_fields(cfg, n)
        if not any(edge for _, _, edge in measured.values()):
            break
        n = 2 * n + 1
        assert n < 2000
    assert set(measured) == set(rows)
    for name, (h, w, _) in measured.items():
        assert h == w == rows[name], (name, measured[name], rows[name])
    assert all(
        r.receptive_field is None for r in architecture(cfg, shape).rows if not r.name.startswith("conv")
    )


def test_receptive_field_ignores_the_pool_kind():
    kw = {"conv_layers": 2, "channels": "4,8"}
    fields = [
        [r.receptive_field for r in architecture(cnn(pool=p, **kw), (1, 28, 28)).rows] for p in ("max", "avg")
    ]
    assert fields[0] == fields[1]


# --------------------------------------------------------------------------------- names, seeds, init
@pytest.mark.parametrize(
    ("kw", "names"),
    [
        ({}, ["conv1", "conv2", "flatten", "dense1", "out"]),
        (
            {"conv_layers": 4, "channels": "2,2,2,2", "pool": "none"},
            ["conv1", "conv2", "conv3", "conv4", "flatten", "dense1", "out"],
        ),
        ({"conv_layers": 1, "channels": "3", "dense_width": 0}, ["conv1", "flatten", "out"]),
        ({"conv_layers": 0, "channels": ""}, ["flatten", "dense1", "out"]),
    ],
)
def test_layer_names(kw, names):
    model = build_cnn(cnn(**kw), (1, 8, 8))
    assert [n for n, _ in model.named_children()] == names
    rows = [r.name for r in architecture(cnn(**kw), (1, 8, 8)).rows if not r.name.endswith(" pool")]
    assert rows == names


def test_conv_block_order_and_types():
    model = build_cnn(cnn(pool="avg", activation="tanh"), (1, 8, 8))
    block = model.conv1
    assert [n for n, _ in block.named_children()] == ["conv", "bn", "act", "pool"]
    assert isinstance(block.conv, nn.Conv2d) and block.conv.bias is None  # BN's shift replaces it
    assert isinstance(block.bn, nn.BatchNorm2d) and isinstance(block.act, nn.Tanh)
    assert isinstance(block.pool, nn.AvgPool2d)
    plain = build_cnn(cnn(pool="none", batch_norm=False), (1, 8, 8)).conv1
    assert plain.conv.bias is not None
    assert isinstance(plain.bn, nn.Identity) and isinstance(plain.pool, nn.Identity)


def state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("init", ["he", "xavier", "default"])
def test_same_seed_same_weights_other_seed_other_weights_global_rng_untouched(init):
    cfg = cnn(init=init, batch_norm=False, dropout=0.2, seed=5)
    before = torch.get_rng_state()
    a, b = state(build_cnn(cfg, (3, 32, 32))), state(build_cnn(cfg, (3, 32, 32)))
    assert torch.equal(torch.get_rng_state(), before)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    c = state(build_cnn(replace(cfg, seed=6), (3, 32, 32)))
    weights = [k for k in a if k.endswith("weight")]
    assert weights and all(not torch.equal(a[k], c[k]) for k in weights)


def big_conv2(init: str, activation: str = "relu", k: int = 5) -> nn.Conv2d:
    cfg = cnn(channels="64,128", kernel_size=k, init=init, activation=activation, seed=3)
    return build_cnn(cfg, (1, 28, 28)).conv2.conv


@pytest.mark.parametrize("activation, gain", [("relu", math.sqrt(2)), ("tanh", 5 / 3)])
def test_he_init_statistics_use_conv_fan_in(activation, gain):
    w = big_conv2("he", activation).weight.detach()  # (128, 64, 5, 5)
    fan_in = 64 * 5 * 5
    assert w.mean().abs() < 4 * w.std() / math.sqrt(w.numel())  # zero-mean
    assert w.std().item() == pytest.approx(gain / math.sqrt(fan_in), rel=0.02)


def test_xavier_init_statistics_use_conv_fans():
    w = big_conv2("xavier", "tanh").weight.detach()
    fan_in, fan_out = 64 * 25, 128 * 25
    bound = (5 / 3) * math.sqrt(6 / (fan_in + fan_out))
    assert w.abs().max().item() <= bound
    assert w.abs().max().item() > 0.99 * bound
    assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # U(-a, a): std = a / sqrt 3


def test_default_init_is_pytorchs_bound():
    w = big_conv2("default").weight.detach()
    bound = 1 / math.sqrt(64 * 25)
    assert w.abs().max().item() <= bound and w.abs().max().item() > 0.99 * bound


def test_auto_init_is_he_for_relu_and_biases_start_at_zero():
    cfg = cnn(channels="64,128", kernel_size=5, batch_norm=False, seed=3)
    model = build_cnn(cfg, (1, 28, 28))
    w = model.conv2.conv.weight.detach()
    assert w.std().item() == pytest.approx(math.sqrt(2) / math.sqrt(64 * 25), rel=0.02)
    assert torch.count_nonzero(model.conv2.conv.bias) == 0
    assert torch.count_nonzero(model.out.bias) == 0
    d = model.dense1.linear.weight.detach()  # fan_in of the dense layer: the flattened map
    assert d.std().item() == pytest.approx(math.sqrt(2 / d.shape[1]), rel=0.05)
    assert model.out.weight.std().item() == pytest.approx(1 / math.sqrt(64), rel=0.15)  # gain 1 at out


def test_batch_norm_starts_at_identity():
    model = build_cnn(cnn(), (1, 8, 8))
    bn = model.conv1.bn
    assert torch.equal(bn.weight, torch.ones(8)) and torch.equal(bn.bias, torch.zeros(8))
    assert torch.equal(bn.running_mean, torch.zeros(8)) and torch.equal(bn.running_var, torch.ones(8))


def test_layer_row_is_plain_data():
    row = architecture(cnn(), (1, 8, 8)).rows[0]
    assert isinstance(row, LayerRow) and row.name == "conv1" and row.kind.startswith("Conv2d 3x3")
