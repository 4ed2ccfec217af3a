"""The dropout, batch norm and init lessons against torch: every number they show is computed
by the modules the labs train with, and matches torch.nn.functional or a measured variance."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from core.contract.activations import ACTIVATIONS
from core.contract.config import MLPConfig
from core.engine.models import init_linear
from core.lessons import layer_lessons as lessons


def test_dropout_zeroes_scales_the_rest_and_is_off_in_evaluation():
    d = lessons.dropout_demo(0.25, seed=3)
    x, keep, y = torch.tensor(d.x), torch.tensor(d.keep), torch.tensor(d.train)
    assert torch.allclose(y[keep], x[keep] / 0.75) and torch.all(y[~keep] == 0)
    assert 0 < int(keep.sum()) < len(keep)  # this draw both keeps and drops
    assert d.eval == d.x  # off in evaluation
    assert d.mean_out_many == pytest.approx(d.mean_in, rel=0.02)  # the scale keeps the mean
    # the same rule as torch's own dropout: kept values times 1/(1-p)
    torch.manual_seed(0)
    ref = F.dropout(x, 0.25, training=True)
    assert torch.allclose(ref[ref != 0], x[ref != 0] / 0.75)
    assert lessons.dropout_demo(0.0).p == 0.5  # shown at 0.5 when the lab's dropout is off


def test_batch_norm_numbers_are_torchs():
    d = lessons.batchnorm_demo(seed=1)
    x = torch.tensor(d.batch)
    assert d.mean == pytest.approx(x.mean().item()) and d.var == pytest.approx(x.var(unbiased=False).item())
    want = F.batch_norm(
        x[:, None], None, None, torch.tensor([d.gamma]), torch.tensor([d.beta]), training=True
    )
    assert d.train_out == pytest.approx(want.flatten().tolist(), abs=1e-5)
    normalised = (x - d.mean) / math.sqrt(d.var + 1e-5)
    assert d.normalised == pytest.approx(normalised.tolist(), abs=1e-5)
    # evaluation: the running statistics, not the batch's
    rm, rv = torch.tensor([d.running_mean]), torch.tensor([d.running_var])
    want = F.batch_norm(x[:, None], rm, rv, torch.tensor([d.gamma]), torch.tensor([d.beta]), training=False)
    assert d.eval_out == pytest.approx(want.flatten().tolist(), abs=1e-5)
    assert d.eval_out != pytest.approx(d.train_out, abs=1e-3)
    # after 20 batches of N(3, 2^2), the running mean heads from 0 toward 3
    assert 1.5 < d.running_mean < 3.5 and 1.0 < d.running_var


@pytest.mark.parametrize("init", ["default", "xavier", "he"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_init_variance_is_what_the_init_draws(init, activation):
    fan_in, fan_out = 200, 300
    gain = ACTIVATIONS[activation].gain
    layer = nn.Linear(fan_in, fan_out)
    init_linear(layer, init, gain, torch.Generator().manual_seed(0))
    measured = layer.weight.var().item()  # 60,000 draws
    assert measured == pytest.approx(lessons.init_variance(init, fan_in, fan_out, gain), rel=0.03)


def test_he_keeps_a_relu_signal_where_the_default_init_lets_it_fade():
    x = torch.randn(256, 2, generator=torch.Generator().manual_seed(0))
    stds = lessons.signal_through_depth(MLPConfig(depth=10, width=256, activation="relu"), x)
    he, default = stds["he"], stds["default"]
    assert he[-1] / he[1] > 0.3  # He: the same order from layer 2 to layer 10
    assert default[-1] / default[1] < 0.2  # default: fades (to the biases' noise) by layer 10
    assert all(b < a for a, b in zip(default[:4], default[1:5]))  # layer after layer, to the floor
    table = {name: var for name, var, _why in lessons.init_table(MLPConfig(width=256), 256)}
    assert table["he"] * 256 == pytest.approx(2.0) and table["default"] * 256 == pytest.approx(1 / 3)
    assert lessons.auto_init("relu") == "he" and lessons.auto_init("tanh") == "xavier"
