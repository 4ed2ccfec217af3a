"""insights: overfitting and gradient-flow findings on hand-built histories; power_of_ten."""

from __future__ import annotations

import math

import pytest

from core.engine.insights import gradient_finding, overfit_finding, power_of_ten
from core.engine.training import History


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


def grad_hist(first: float, last: float, layers=("layer1", "layer2", "out"), key="grad_norm") -> History:
    values = dict.fromkeys(layers, 0.5)
    values[layers[0]], values[layers[-1]] = first, last
    return History(config={}, layers=list(layers), epochs=[{"epoch": 1, key: values}])


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
        (10.0, "healthy"),
        (10.01, "growing"),
        (1e3, "growing"),
    ],
)
@pytest.mark.parametrize("key", ["grad_rms", "grad_norm"])
def test_gradient_verdict_thresholds(ratio, verdict, key):
    f = gradient_finding(grad_hist(ratio * 0.002, 0.002, key=key))
    assert f.ratio == pytest.approx(ratio, rel=1e-12)
    assert f.verdict == verdict and f.measure == key
    assert ("per weight" if key == "grad_rms" else "in norm") in f.sentence


@pytest.mark.parametrize(
    ("verdict", "words"),
    [("vanishing", "below 1e-3"), ("weak", "between 1e-3 and 0.1"), ("healthy", "within a factor of 10")],
)
def test_gradient_sentences_quote_their_thresholds(verdict, words):
    ratio = {"vanishing": 1e-5, "weak": 0.01, "healthy": 0.5}[verdict]
    f = gradient_finding(grad_hist(ratio, 1.0))
    assert f.verdict == verdict and words in f.sentence
    assert "order of magnitude" not in f.sentence


def test_gradient_sentence_rounds_to_power_of_ten():
    f = gradient_finding(grad_hist(1.2e-6, 1.0))
    assert f.verdict == "vanishing"
    assert "about 1e-6" in f.sentence
    f = gradient_finding(grad_hist(3.0, 1e-3))
    assert f.verdict == "growing" and "about 1e3" in f.sentence


def test_the_rms_is_preferred_to_the_norm_when_the_run_has_it():
    h = History(
        config={},
        layers=["layer1", "out"],
        epochs=[
            {"epoch": 1, "grad_norm": {"layer1": 1.0, "out": 1e-5}, "grad_rms": {"layer1": 0.01, "out": 0.02}}
        ],
    )
    f = gradient_finding(h)
    assert f.measure == "grad_rms" and f.ratio == pytest.approx(0.5) and f.verdict == "healthy"


def test_a_huge_gradient_is_exploding_whatever_the_ratio():
    f = gradient_finding(grad_hist(5e3, 1e4, key="grad_rms"))  # ratio 0.5: even, but enormous
    assert f.verdict == "exploding" and f.largest == 1e4 and "above 10" in f.sentence
    f = gradient_finding(grad_hist(math.nan, 1.0, key="grad_rms"))
    assert f.verdict == "exploding"


def test_a_diverged_run_is_never_called_healthy():
    h = grad_hist(0.5, 1.0, key="grad_rms")  # an even ratio and modest size ...
    h.status = "diverged"  # ... but the next epoch's loss was NaN
    f = gradient_finding(h)
    assert f.verdict == "exploding" and f.sentence.startswith("Diverged")
    h.status = "finished"
    assert gradient_finding(h).verdict == "healthy"


def test_the_divergence_preset_is_exploding_on_every_measure():
    from core.contract.config import MLPConfig
    from core.contract.presets import PRESETS
    from core.engine.training import train

    h = train(MLPConfig(**PRESETS["diverging"].fields))
    assert h.status == "diverged"
    f = gradient_finding(h)
    assert f.verdict == "exploding" and "healthy" not in f.sentence.lower()
    assert f.largest == max(h.epochs[-1]["grad_rms"].values())


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
    assert math.isinf(zero_last.ratio) and zero_last.verdict == "growing"
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
