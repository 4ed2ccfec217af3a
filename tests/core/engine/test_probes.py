"""Probes: gradient norms, activation statistics and histograms against independent numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.contract.activations import ACTIVATIONS
from core.contract.config import MLPConfig
from core.engine.models import build_mlp, weight_layers
from core.engine.probes import (
    HIST_BINS,
    ActivationProbe,
    GradNorms,
    activation_stats,
    histograms,
    layer_histograms,
)


def small_model(**kw):
    model = build_mlp(MLPConfig(**{"depth": 3, "width": 8, "seed": 2, **kw}))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, 2, generator=g)
    y = torch.randint(0, 2, (16,), generator=g)
    return model, x, y


def numpy_norms(layers) -> dict[str, float]:
    return {
        n: float(np.linalg.norm(m.weight.grad.detach().numpy().astype(np.float64))) for n, m in layers.items()
    }


def test_grad_norms_one_step():
    model, x, y = small_model()
    layers = weight_layers(model)
    gn = GradNorms(layers)
    assert gn.pop_epoch() == ({}, {})
    F.cross_entropy(model(x), y).backward()
    gn.add()
    got, rms = gn.pop_epoch()
    want = numpy_norms(layers)
    assert list(got) == list(rms) == list(layers) == ["layer1", "layer2", "layer3", "out"]
    for name, m in layers.items():
        assert want[name] > 0
        assert got[name] == pytest.approx(want[name], rel=1e-5)
        g = m.weight.grad.detach().numpy().astype(np.float64)
        assert rms[name] == pytest.approx(np.sqrt((g**2).mean()), rel=1e-5)  # per-weight RMS
    assert gn.pop_epoch() == ({}, {})  # popping resets the running sum


def test_grad_norms_mean_over_three_steps():
    model, x, y = small_model()
    layers = weight_layers(model)
    gn = GradNorms(layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    per_step = []
    for i in range(3):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x[i:]), y[i:]).backward()
        gn.add()
        per_step.append(numpy_norms(layers))
        opt.step()
    got, _ = gn.pop_epoch()
    for name in layers:
        steps = [s[name] for s in per_step]
        assert len(set(steps)) == 3  # the steps really differ, so the mean is a real check
        assert got[name] == pytest.approx(sum(steps) / 3, rel=1e-5)
    # a new epoch starts from zero
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    gn.add()
    last = numpy_norms(layers)
    assert gn.pop_epoch()[0] == pytest.approx(last, rel=1e-5)


def _np_mean_std(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = y.reshape(y.shape[0], -1).astype(np.float64)
    return flat.mean(1), flat.std(1, ddof=1)


def test_activation_stats_relu_by_hand():
    # 2 layers, 3 rows, 4 units; layer 0: units 0 and 2 are zero on every row -> dead 2/4
    y = torch.tensor(
        [
            [[0.0, 1.0, 0.0, 0.0], [0.0, 2.0, 0.0, 3.0], [0.0, 0.5, 0.0, 0.0]],
            [[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 4.0]],
        ]
    )
    s = activation_stats(y, "relu")
    assert set(s) == {"mean", "std", "dead"}
    mean, std = _np_mean_std(y.numpy())
    np.testing.assert_allclose(s["mean"].numpy(), mean, rtol=1e-6)
    np.testing.assert_allclose(s["std"].numpy(), std, rtol=1e-5)
    np.testing.assert_allclose(s["dead"].numpy(), [0.5, 0.0])
    # mean of layer 0 by hand: (1 + 2 + 3 + 0.5) / 12
    assert s["mean"][0].item() == pytest.approx(6.5 / 12, rel=1e-6)


def test_activation_stats_relu_dead_from_preactivations():
    g = torch.Generator().manual_seed(3)
    z = torch.randn(3, 40, 25, generator=g)
    z[:, :, :5] = -z[:, :, :5].abs() - 0.1  # five units always negative in every layer
    z[1, :, 5:9] = -1.0  # and four more in layer 1
    y = torch.relu(z)
    s = activation_stats(y, "relu")
    dead = (z <= 0).all(dim=1).double().mean(dim=1).numpy()  # units off for every row
    np.testing.assert_allclose(s["dead"].numpy(), dead)
    assert s["dead"][1].item() >= 9 / 25
    mean, std = _np_mean_std(y.numpy())
    np.testing.assert_allclose(s["mean"].numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(s["std"].numpy(), std, rtol=1e-4)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_activation_stats_saturated_fraction(name):
    act = ACTIVATIONS[name]
    g = torch.Generator().manual_seed(4)
    scale = torch.tensor([2.0, 5.0], dtype=torch.float64).view(2, 1, 1)  # per layer
    z = (torch.randn(2, 50, 30, generator=g, dtype=torch.float64) * scale).requires_grad_()
    y = act.f(z)
    (dy,) = torch.autograd.grad(y.sum(), z)  # f'(z) by autograd, not from y
    want = (dy < 0.1 * act.max_grad).double().mean(dim=(1, 2)).numpy()
    assert want[1] > want[0] > 0  # wider pre-activations saturate more: a non-trivial case
    s = activation_stats(y.detach().float(), name)
    assert set(s) == {"mean", "std", "saturated"}
    # float32 outputs near the threshold can flip a unit; allow one unit per layer
    np.testing.assert_allclose(s["saturated"].numpy(), want, atol=1 / 1500 + 1e-9)
    mean, std = _np_mean_std(y.detach().numpy())
    np.testing.assert_allclose(s["mean"].numpy(), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s["std"].numpy(), std, rtol=1e-4)


def test_activation_stats_sigmoid_by_hand():
    # y(1 - y) < 0.025  <=>  y < 0.02565 or y > 0.97435
    y = torch.tensor([[[0.01, 0.5], [0.99, 0.2]], [[0.5, 0.5], [0.5, 0.03]]])
    s = activation_stats(y, "sigmoid")
    np.testing.assert_allclose(s["saturated"].numpy(), [0.5, 0.0])


def test_activation_stats_tanh_by_hand():
    # 1 - y^2 < 0.1  <=>  |y| > 0.9487
    y = torch.tensor([[[0.96, -0.97], [0.0, 0.9]], [[-0.999, 0.1], [0.95, 0.2]]])
    s = activation_stats(y, "tanh")
    np.testing.assert_allclose(s["saturated"].numpy(), [0.5, 0.5])


def test_activation_stats_other_activations_have_only_mean_and_std():
    y = torch.randn(2, 10, 4)
    for name in ("gelu", "elu", "leaky_relu", "linear"):
        assert set(activation_stats(y, name)) == {"mean", "std"}


def test_activation_probe_matches_manual_forward():
    model, x, _ = small_model(activation="relu")
    model.eval()
    probe = ActivationProbe(model, "relu")
    assert list(probe.targets) == ["layer1", "layer2", "layer3"]
    with torch.no_grad(), probe.watch():
        model(x)
    stats = probe.pop_stats()
    assert list(stats) == ["layer1", "layer2", "layer3"]
    h = x
    with torch.no_grad():
        for name in ("layer1", "layer2", "layer3"):
            h = torch.relu(getattr(model, name).linear(h))
            want = activation_stats(h.unsqueeze(0), "relu")
            for key in ("mean", "std", "dead"):
                assert stats[name][key] == pytest.approx(want[key].item(), rel=1e-5, abs=1e-7)
    # hooks are removed after watch(): a new pass records nothing
    model(x)
    assert probe.pop_stats() == {}


@pytest.mark.parametrize("shape", [(1000,), (17, 23), (4, 5, 6)])
def test_histograms_counts_and_range(shape):
    g = torch.Generator().manual_seed(5)
    tensors = [torch.randn(shape, generator=g) * 3 + 1, torch.rand(shape, generator=g)]
    hs = histograms(tensors)
    assert len(hs) == 2
    for t, h in zip(tensors, hs):
        assert set(h) == {"lo", "hi", "counts"}
        assert len(h["counts"]) == HIST_BINS
        assert all(isinstance(c, int) for c in h["counts"])
        assert sum(h["counts"]) == t.numel()
        assert h["lo"] == t.min().item()
        assert h["hi"] == t.max().item()
        want, _ = np.histogram(t.numpy(), bins=HIST_BINS, range=(h["lo"], h["hi"]))
        assert np.abs(np.array(h["counts"]) - want).sum() <= 2  # edge rounding only


def test_histograms_custom_bins():
    (h,) = histograms([torch.arange(10.0)], bins=5)
    assert h["counts"] == [2, 2, 2, 2, 2]
    assert (h["lo"], h["hi"]) == (0.0, 9.0)


@pytest.mark.parametrize("value", [0.0, 3.0, -1e6, 1e-30])
def test_histograms_of_equal_values(value):
    t = torch.full((7, 3), value)
    (h,) = histograms([t])
    assert sum(h["counts"]) == 21
    assert max(h["counts"]) == 21  # all in one bin
    assert h["lo"] < value < h["hi"]
    assert h["hi"] - h["lo"] <= max(1e-11, abs(value) * 1e-5)


def test_layer_histograms_have_weight_and_grad():
    model, x, y = small_model()
    layers = weight_layers(model)
    before = layer_histograms(layers)
    assert list(before) == list(layers)
    assert all(set(h) == {"weight"} for h in before.values())  # no gradient yet
    F.cross_entropy(model(x), y).backward()
    hs = layer_histograms(layers)
    assert list(hs) == list(layers)
    for name, m in layers.items():
        assert set(hs[name]) == {"weight", "grad"}
        assert sum(hs[name]["weight"]["counts"]) == m.weight.numel()
        assert sum(hs[name]["grad"]["counts"]) == m.weight.grad.numel()
        assert hs[name]["weight"]["lo"] == m.weight.min().item()
        assert hs[name]["grad"]["hi"] == m.weight.grad.max().item()


def test_activation_stats_std_of_saturated_sigmoid_layer():
    # a layer of sigmoid units sitting near 1 (pre-activations around 8): the lesson's own case
    g = torch.Generator().manual_seed(0)
    y = torch.sigmoid(torch.randn(1, 256, 32, generator=g) * 0.5 + 8)
    want = y.double().flatten().std().item()  # about 2e-4
    assert want > 0
    got = activation_stats(y, "sigmoid")["std"].item()
    assert got == pytest.approx(want, rel=0.01)
