"""Every number the labs and the home page state about a run, computed from real runs: the
presets do what their lessons say, the MLP lab's gradient lesson holds, and the Compare page's
depth-sweep sentence says what the sweep measured."""

from __future__ import annotations

import math

import pytest

from core.contract.activations import ACTIVATIONS
from core.contract.config import MLPConfig
from core.contract.presets import PRESETS
from core.engine.insights import gradient_finding, overfit_finding
from core.engine.training import train
from core.runs.compare import COMPARISONS, ratio_by_depth, run_plan
from core.runs.store import RunStore


def run(name: str):
    return train(MLPConfig(**PRESETS[name].fields))


def test_vanishing_preset_the_first_layer_gets_a_millionth_or_less_and_barely_learns():
    h = run("vanishing")
    f = gradient_finding(h)
    assert f.verdict == "vanishing" and f.ratio <= 1e-6  # "a millionth of the last one's or less"
    assert h.epochs[-1]["val_acc"] < 0.7  # "the net barely learns" (spiral: chance is 0.5)


def test_healthy_preset_within_a_factor_of_10_and_learns_where_sigmoid_stays_at_chance():
    h, sigmoid = run("healthy"), run("vanishing")
    f = gradient_finding(h)
    assert f.verdict == "healthy" and 0.1 <= f.ratio <= 10
    assert sigmoid.epochs[-1]["val_acc"] < 0.6  # two classes: chance is 0.5
    assert h.epochs[-1]["val_acc"] > sigmoid.epochs[-1]["val_acc"] + 0.15


def test_overfitting_preset_training_loss_falls_while_validation_loss_turns_up():
    h = run("overfitting")
    finding = overfit_finding(h)
    assert finding.overfitting and h.series("train_loss")[-1] < h.series("train_loss")[finding.best_epoch - 1]


def test_dropout_preset_narrows_the_gap_between_training_and_validation_loss():
    plain, dropped = run("overfitting"), run("dropout")
    gap = lambda h: h.series("val_loss")[-1] - h.series("train_loss")[-1]  # noqa: E731
    assert gap(dropped) < gap(plain) / 2


def test_xor_preset_one_hidden_layer_of_4_units_learns_what_no_line_can():
    h = run("xor")
    assert h.epochs[-1]["val_acc"] > 0.9  # a line gets at most about half of XOR's points right


def test_diverging_preset_explodes_within_a_few_epochs_and_keeps_what_was_done():
    h = run("diverging")
    assert h.status == "diverged" and 1 <= len(h.epochs) <= 5 and "kept" in h.message


def test_the_mlp_labs_gradient_lesson_sigmoid_at_most_a_quarter_ten_layers_a_millionfold():
    assert ACTIVATIONS["sigmoid"].max_grad == 0.25
    assert 0.25**10 < 1e-6  # "ten layers can shrink the gradient a million-fold"
    assert ACTIVATIONS["relu"].max_grad == 1.0  # "ReLU passes a slope of 1 where it is active"


@pytest.mark.slow
def test_the_depth_sweep_sigmoid_falls_by_orders_of_magnitude_relu_stays_in_a_narrow_band():
    store = RunStore(":memory:")
    comparison = COMPARISONS["depth_sweep"]
    plan = [(label, cfg) for label, cfg in comparison.plan(MLPConfig()) if cfg.depth in (2, 20)]
    run_plan(store, "depth_sweep", plan)
    by = ratio_by_depth([store.load(r["id"], detail=False) for r in store.list()])
    sigmoid = dict(by["sigmoid"])
    assert math.log10(sigmoid[2] / sigmoid[20]) >= 6  # falls by orders of magnitude (13 measured)
    relu = [r for _depth, r in by["relu"]]
    assert max(relu) / min(relu) < 100 and min(relu) > 1e4 * sigmoid[20]  # a narrow band, far above
    from ui.compare.compare_views import depth_caption

    caption = depth_caption(by)
    assert "sigmoid: " in caption and "at depth 20" in caption and "relu: " in caption
