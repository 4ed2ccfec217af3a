"""insights: overfitting and gradient-flow findings on hand-built histories; power_of_ten."""

from __future__ import annotations

import math

import pytest

from core.insights import gradient_finding, overfit_finding, power_of_ten
from core.training import History


def hist(val: list[float], train: list[float]) -> History:
    epochs = [
        {"epoch": i + 1, "val_loss": v, "train_loss": t, "grad_norm": {"layer1": 1.0, "out": 1.0}}
        for i, (v, t) in enumerate(zip(val, train))
    ]
    return History(config={}, layers=["layer1", "out"], epochs=epochs)


def test_overfitting_detected():
    val = [1.0, 0.8, 0.6, 0.65, 0.7, 0.75]  # best at epoch 3, then +25% over 3 epochs
    train = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3]
    f = overfit_finding(hist(val, train))
    assert f.best_epoch == 3
    assert f.best_val_loss == 0.6
    assert f.overfitting is True
    assert "epoch 3" in f.sentence and f.sentence.startswith("Overfitting")


@pytest.mark.parametrize(
    ("val", "train", "why"),
    [
        ([1.0, 0.8, 0.6, 0.7, 0.75], [1.0, 0.8, 0.6, 0.5, 0.4], "only 2 epochs after the best"),
        ([1.0, 0.6, 0.61, 0.62, 0.625], [1.0, 0.8, 0.6, 0.5, 0.4], "rise of 4%, not more than 5%"),
        ([1.0, 0.6, 0.65, 0.7, 0.75], [1.0, 0.5, 0.55, 0.6, 0.65], "training loss rose too"),
        ([1.0, 0.8, 0.6, 0.5, 0.4], [1.0, 0.8, 0.6, 0.5, 0.4], "still improving"),
        ([0.7], [0.7], "one epoch"),
    ],
)
def test_no_overfitting(val, train, why):
    f = overfit_finding(hist(val, train))
    best = min(range(len(val)), key=val.__getitem__)
    assert f.best_epoch == best + 1, why
    assert f.best_val_loss == val[best]
    assert f.overfitting is False, why
    assert "no clear overfitting" in f.sentence


def test_overfit_rise_threshold_is_configurable():
    val = [1.0, 0.6, 0.61, 0.62, 0.625]
    train = [1.0, 0.8, 0.6, 0.5, 0.4]
    assert overfit_finding(hist(val, train), rise=0.03).overfitting is True
    assert overfit_finding(hist(val, train), rise=0.03, min_after=4).overfitting is False


def test_overfit_finding_empty_history():
    assert overfit_finding(History(config={}, layers=["layer1", "out"])) is None


def grad_hist(first: float, last: float, layers=("layer1", "layer2", "out")) -> History:
    norms = dict.fromkeys(layers, 0.5)
    norms[layers[0]], norms[layers[-1]] = first, last
    return History(config={}, layers=list(layers), epochs=[{"epoch": 1, "grad_norm": norms}])


@pytest.mark.parametrize(
    ("ratio", "verdict"),
    [
        (1e-8, "vanishing"),
        (9.99e-4, "vanishing"),
        (1e-3, "weak"),
        (0.05, "weak"),
        (0.0999, "weak"),
        (0.1, "healthy"),
        (1.0, "healthy"),
        (100.0, "healthy"),
        (100.5, "exploding"),
        (1e6, "exploding"),
    ],
)
def test_gradient_verdict_thresholds(ratio, verdict):
    f = gradient_finding(grad_hist(ratio * 2.0, 2.0))
    assert f.ratio == pytest.approx(ratio, rel=1e-12)
    assert f.verdict == verdict
    assert f.sentence


def test_gradient_sentence_rounds_to_power_of_ten():
    f = gradient_finding(grad_hist(1.2e-6, 1.0))
    assert f.verdict == "vanishing"
    assert "about 1e-6" in f.sentence
    f = gradient_finding(grad_hist(3e3, 1.0))
    assert f.verdict == "exploding" and "about 1e3" in f.sentence


def test_gradient_finding_uses_first_and_last_layer_of_the_chosen_epoch():
    h = History(
        config={},
        layers=["layer1", "layer2", "out"],
        epochs=[
            {"epoch": 1, "grad_norm": {"layer1": 1e-6, "layer2": 1.0, "out": 1.0}},
            {"epoch": 2, "grad_norm": {"layer1": 1.0, "layer2": 1e-9, "out": 2.0}},
        ],
    )
    assert gradient_finding(h).ratio == pytest.approx(0.5)
    assert gradient_finding(h, epoch_index=0).ratio == pytest.approx(1e-6)
    assert gradient_finding(h, epoch_index=0).verdict == "vanishing"


def test_gradient_finding_edge_cases():
    assert gradient_finding(History(config={}, layers=["layer1", "out"])) is None
    assert gradient_finding(grad_hist(1.0, 1.0, layers=("out",))) is None
    zero_last = gradient_finding(grad_hist(1.0, 0.0))
    assert math.isinf(zero_last.ratio) and zero_last.verdict == "exploding"
    assert gradient_finding(grad_hist(0.0, 0.0)).verdict == "vanishing"


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (1.2e-6, "1e-6"),
        (9e-7, "1e-6"),
        (1.0, "1"),
        (2.0, "1"),
        (8.0, "10"),
        (12.0, "10"),
        (0.09, "0.1"),
        (0.5, "1"),
        (4e-3, "1e-2"),
        (2.5e-3, "1e-3"),
        (3e4, "1e4"),
        (1e-300, "1e-300"),
        (0.0, "0"),
    ],
)
def test_power_of_ten(x, text):
    assert power_of_ten(x) == text


def test_power_of_ten_non_positive_and_non_finite():
    assert power_of_ten(-2.0) == "-2.0"
    assert power_of_ten(math.inf) == "inf"
    assert power_of_ten(math.nan) == "nan"
