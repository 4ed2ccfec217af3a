"""build_mlp: layer names, parameter counts, residuals, seeding, init statistics, dropout, RNG."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from core.contract.config import MLPConfig
from core.engine.models import (
    Block,
    SeededDropout,
    build_mlp,
    count_params,
    init_linear,
    resolve_init,
    weight_layers,
)


def cfg(**kw) -> MLPConfig:
    return MLPConfig(**{"depth": 3, "width": 8, **kw})


@pytest.mark.parametrize("depth", [1, 3, 10])
def test_layer_names_in_order(depth):
    model = build_mlp(cfg(depth=depth))
    expected = [f"layer{i}" for i in range(1, depth + 1)] + ["out"]
    assert [name for name, _ in model.named_children()] == expected
    layers = weight_layers(model)
    assert list(layers) == expected
    assert all(isinstance(m, nn.Linear) for m in layers.values())
    assert layers["layer1"].in_features == 2
    assert layers["out"].out_features == 2


def expected_params(depth: int, width: int, n_classes: int, bn: bool, n_in: int = 2) -> int:
    """Independent count: Linear weights (+ bias unless BN), BN gamma and beta, output layer."""
    total, fan_in = 0, n_in
    for _ in range(depth):
        total += fan_in * width  # weight
        total += 2 * width if bn else width  # BN's gamma+beta replace the bias
        fan_in = width
    return total + width * n_classes + n_classes


@pytest.mark.parametrize(
    ("depth", "width", "n_classes"), [(1, 1, 2), (1, 5, 3), (3, 8, 2), (4, 32, 4), (10, 16, 2)]
)
@pytest.mark.parametrize("bn", [False, True])
def test_param_count(depth, width, n_classes, bn):
    model = build_mlp(cfg(depth=depth, width=width, batch_norm=bn), n_classes=n_classes)
    want = expected_params(depth, width, n_classes, bn)
    assert count_params(model) == want
    assert sum(p.numel() for p in model.parameters()) == want
    for name, m in model.named_children():
        if name != "out":
            assert (m.linear.bias is None) == bn
            assert isinstance(m.bn, nn.BatchNorm1d) == bn
    assert model.out.bias is not None


def test_residual_only_where_widths_match():
    model = build_mlp(cfg(depth=3, width=8, residual=True))
    assert [model.get_submodule(f"layer{i}").residual for i in (1, 2, 3)] == [False, True, True]
    # width == input width: the first block can skip too
    model2 = build_mlp(cfg(depth=2, width=2, residual=True))
    assert model2.layer1.residual and model2.layer2.residual
    # residual off: no block skips
    model3 = build_mlp(cfg(depth=3, width=8, residual=False))
    assert not any(model3.get_submodule(f"layer{i}").residual for i in (1, 2, 3))


def test_residual_forward_by_hand():
    model = build_mlp(cfg(depth=3, width=8, residual=True, activation="tanh"))
    g = torch.Generator().manual_seed(0)
    block = model.layer2
    x = torch.randn(5, 8, generator=g)
    w, b = block.linear.weight, block.linear.bias
    by_hand = x + torch.tanh(x @ w.T + b)
    torch.testing.assert_close(block(x), by_hand)
    # the first block (2 -> 8) has no skip: output is just the activation
    x1 = torch.randn(5, 2, generator=g)
    l1 = model.layer1.linear
    torch.testing.assert_close(model.layer1(x1), torch.tanh(x1 @ l1.weight.T + l1.bias))
    # and the whole net is the composition of its blocks
    h = torch.tanh(x1 @ l1.weight.T + l1.bias)
    for blk in (model.layer2, model.layer3):
        h = h + torch.tanh(h @ blk.linear.weight.T + blk.linear.bias)
    torch.testing.assert_close(model(x1), h @ model.out.weight.T + model.out.bias)


def test_block_without_residual_flag_does_not_skip():
    g = torch.Generator().manual_seed(1)
    block = Block(4, 4, "relu", False, 0.0, False, g)
    x = torch.randn(3, 4, generator=g)
    torch.testing.assert_close(block(x), torch.relu(block.linear(x)))


def _state(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("init", ["auto", "default", "xavier", "he"])
def test_same_seed_same_weights_different_seed_different(init):
    a = _state(build_mlp(cfg(seed=11, init=init, batch_norm=True)))
    torch.manual_seed(12345)  # the global RNG must not matter
    b = _state(build_mlp(cfg(seed=11, init=init, batch_norm=True)))
    c = _state(build_mlp(cfg(seed=12, init=init, batch_norm=True)))
    assert a.keys() == b.keys() == c.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    weights = [k for k in a if k.endswith("weight") and a[k].dim() == 2]
    assert len(weights) == 4
    assert all(not torch.equal(a[k], c[k]) for k in weights)


def test_he_init_statistics():
    model = build_mlp(MLPConfig(depth=2, width=256, activation="relu", init="he", seed=3))
    w = model.layer2.linear.weight.detach().double()  # 256 x 256
    assert w.shape == (256, 256)
    assert w.std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.1)
    assert abs(w.mean().item()) < 0.1 * math.sqrt(2 / 256)
    assert torch.count_nonzero(model.layer2.linear.bias) == 0
    # the output layer is initialised with gain 1
    out = model.out.weight.detach().double()
    assert out.std().item() == pytest.approx(math.sqrt(1 / 256), rel=0.25)


def test_he_init_linear_directly():
    layer = nn.Linear(256, 256)
    init_linear(layer, "he", math.sqrt(2), torch.Generator().manual_seed(0))
    assert layer.weight.detach().double().std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.1)
    assert torch.count_nonzero(layer.bias) == 0


def test_xavier_uniform_bound():
    model = build_mlp(MLPConfig(depth=2, width=256, activation="tanh", init="xavier", seed=4))
    w = model.layer2.linear.weight.detach().double()
    gain = torch.nn.init.calculate_gain("tanh")
    bound = gain * math.sqrt(6 / (256 + 256))
    assert w.abs().max().item() <= bound * (1 + 1e-6)
    assert w.abs().max().item() > 0.99 * bound  # uniform: it fills the interval
    assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert torch.count_nonzero(model.layer2.linear.bias) == 0


def test_default_init_inside_one_over_sqrt_fan_in():
    model = build_mlp(MLPConfig(depth=2, width=256, activation="relu", init="default", seed=5))
    lin = model.layer2.linear
    bound = 1 / math.sqrt(256)
    for t in (lin.weight, lin.bias):
        t = t.detach()
        assert t.abs().max().item() <= bound * (1 + 1e-6)
    assert lin.weight.abs().max().item() > 0.99 * bound
    assert lin.weight.detach().double().std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert torch.count_nonzero(lin.bias) > 0  # default init gives biases random values too


def test_resolve_init():
    assert resolve_init("auto", "relu") == "he"
    assert resolve_init("auto", "sigmoid") == "xavier"
    assert resolve_init("auto", "tanh") == "xavier"
    assert resolve_init("auto", "linear") == "xavier"
    for explicit in ("default", "xavier", "he"):
        assert resolve_init(explicit, "relu") == explicit
        assert resolve_init(explicit, "sigmoid") == explicit


def test_init_linear_rejects_unknown_init():
    with pytest.raises(ValueError, match="bogus"):
        init_linear(nn.Linear(3, 3), "bogus", 1.0, torch.Generator().manual_seed(0))


def test_seeded_dropout_eval_is_identity():
    d = SeededDropout(0.5, torch.Generator().manual_seed(0))
    x = torch.randn(50, 20)
    d.eval()
    assert torch.equal(d(x), x)
    d0 = SeededDropout(0.0, torch.Generator().manual_seed(0))
    d0.train()
    assert torch.equal(d0(x), x)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.7])
def test_seeded_dropout_training_zeroes_p_and_keeps_mean(p):
    d = SeededDropout(p, torch.Generator().manual_seed(1))
    d.train()
    x = torch.ones(400, 500)
    y = d(x)
    zero_share = (y == 0).double().mean().item()
    assert zero_share == pytest.approx(p, abs=0.01)
    kept = y[y != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - p)))
    assert y.double().mean().item() == pytest.approx(1.0, abs=0.02)


def test_seeded_dropout_same_generator_seed_same_mask():
    x = torch.ones(64, 64)
    masks = []
    for seed in (7, 7, 8):
        d = SeededDropout(0.5, torch.Generator().manual_seed(seed))
        d.train()
        masks.append(d(x) != 0)
    assert torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])


def test_dropout_forward_does_not_touch_global_rng():
    d = SeededDropout(0.5, torch.Generator().manual_seed(0))
    d.train()
    before = torch.get_rng_state()
    d(torch.ones(10, 10))
    assert torch.equal(before, torch.get_rng_state())


def test_model_dropout_is_seeded():
    x = torch.ones(16, 2)
    outs = []
    for _ in range(2):
        model = build_mlp(cfg(dropout=0.5, seed=9))
        model.train()
        outs.append(model(x))
    assert torch.equal(outs[0], outs[1])
    model.eval()
    assert torch.equal(model(x), model(x))


def test_building_a_model_leaves_global_rng_alone():
    torch.manual_seed(0)
    before = torch.get_rng_state()
    build_mlp(cfg(depth=3, width=8))
    assert torch.equal(before, torch.get_rng_state())


def test_dropout_masks_come_from_a_generator_on_the_activations_device():
    """On the CPU the masks come from the given generator; a CUDA tensor refuses a CPU generator,
    so on a GPU the masks come from one generator of that device, seeded from the CPU one."""
    g = torch.Generator().manual_seed(3)
    d = SeededDropout(0.5, g)
    assert d.generator_for(torch.device("cpu")) is g
    if torch.cuda.is_available():
        cuda = torch.device("cuda", 0)
        gen = d.generator_for(cuda)
        assert gen.device == cuda and d.generator_for(cuda) is gen  # made once, then kept
        twin = SeededDropout(0.5, torch.Generator().manual_seed(3)).generator_for(cuda)
        assert gen.initial_seed() == twin.initial_seed()  # the same seed: reproducible
        d.train()
        y = d(torch.ones(64, 64, device=cuda))
        assert y.device == cuda and 0.4 < (y == 0).float().mean().item() < 0.6


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_dropout_on_cuda_is_seeded():
    x = torch.ones(16, 2, device="cuda")
    outs = []
    for _ in range(2):
        model = build_mlp(cfg(dropout=0.5, seed=9)).to("cuda").train()
        outs.append(model(x))
    assert torch.equal(outs[0], outs[1]) and (outs[0] != 0).any()
