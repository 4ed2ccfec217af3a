"""train(): determinism, statuses, callbacks, findings on real runs and the JSON contract."""

from __future__ import annotations

import json
import math

import pytest
import torch

from core.contract.config import MLPConfig
from core.engine.insights import gradient_finding
from core.engine.training import CannotTrain, History, problems, train

METRICS = ("train_loss", "val_loss", "train_acc", "val_acc")


def tiny(**kw) -> MLPConfig:
    return MLPConfig(**{"dataset": "spiral", "n_samples": 200, "depth": 3, "width": 16, "epochs": 4, **kw})


def comparable(history: History) -> list[dict]:
    """Epoch records without wall-clock times."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history.epochs]


@pytest.mark.parametrize(
    "extra",
    [{}, {"dropout": 0.3, "batch_norm": True, "optimizer": "sgd", "activation": "tanh"}],
    ids=["plain", "dropout-bn-sgd"],
)
def test_same_config_same_history(extra):
    cfg = tiny(**extra)
    torch.manual_seed(1)  # the global RNG must not matter
    a = train(cfg)
    torch.manual_seed(2)
    b = train(cfg)
    assert len(a.epochs) == len(b.epochs) == cfg.epochs
    assert comparable(a) == comparable(b)  # metrics, grad norms, activation stats, histograms
    for r in a.epochs:
        assert set(r["grad_norm"]) == set(a.layers)
    assert a.grad_norm() == b.grad_norm()
    assert a.config == b.config
    # and a different seed is a different run
    c = train(tiny(**extra, seed=cfg.seed + 1))
    assert c.series("train_loss") != a.series("train_loss")


def test_finished_run_records():
    cfg = tiny(epochs=3)
    h = train(cfg)
    assert h.status == "finished"
    assert h.message == ""
    assert len(h.epochs) == cfg.epochs
    assert [r["epoch"] for r in h.epochs] == [1, 2, 3]
    assert h.layers == ["layer1", "layer2", "layer3", "out"]
    assert h.model is not None
    assert h.seconds > 0
    assert h.derived["init_used"] == "he"
    for r in h.epochs:
        for key in ("train_acc", "val_acc"):
            assert 0.0 <= r[key] <= 1.0
        for key in ("train_loss", "val_loss"):
            assert math.isfinite(r[key]) and r[key] > 0
        assert all(v > 0 and math.isfinite(v) for v in r["grad_norm"].values())
        assert list(r["act"]) == ["layer1", "layer2", "layer3"]
        assert set(r["hist"]) == set(h.layers)
    times = h.series("seconds")
    assert times == sorted(times)


def test_learnable_problem_is_learned():
    cfg = MLPConfig(dataset="gauss", depth=2, width=16, optimizer="adam", epochs=30, n_samples=200)
    h = train(cfg)
    assert h.status == "finished"
    assert h.epochs[-1]["val_acc"] > 0.9
    assert h.epochs[-1]["train_loss"] < h.epochs[0]["train_loss"]


def test_deep_sigmoid_vanishes_deep_relu_does_not():
    common = {"dataset": "spiral", "n_samples": 200, "depth": 10, "width": 32, "epochs": 1}
    sig = train(MLPConfig(**common, activation="sigmoid", init="xavier"))
    relu = train(MLPConfig(**common, activation="relu", init="auto"))
    assert relu.derived["init_used"] == "he"
    for h in (sig, relu):
        assert h.layers[0] == "layer1" and h.layers[-1] == "out" and len(h.layers) == 11
    fs, fr = gradient_finding(sig), gradient_finding(relu)
    gs, gr = sig.epochs[-1]["grad_norm"], relu.epochs[-1]["grad_norm"]
    assert fs.ratio == pytest.approx(gs["layer1"] / gs["out"])
    assert fr.ratio == pytest.approx(gr["layer1"] / gr["out"])
    assert fs.ratio < 1e-3
    assert fs.verdict == "vanishing"
    assert fr.ratio > 1e-2
    assert fr.verdict != "vanishing"


DIVERGING = {
    "dataset": "spiral",
    "n_samples": 200,
    "optimizer": "sgd",
    "lr": 1.0,
    "momentum": 0.99,
    "activation": "relu",
    "init": "he",
    "depth": 6,
    "width": 128,
    "epochs": 10,
}


def test_divergence_is_caught():
    cfg = MLPConfig(**DIVERGING)
    seen = []
    h = train(cfg, on_epoch=seen.append)
    assert h.status == "diverged"
    assert h.message
    assert 1 <= len(h.epochs) < cfg.epochs
    assert f"epoch {len(h.epochs) + 1}" in h.message  # names the epoch where it blew up
    for r in h.epochs:
        assert math.isfinite(r["train_loss"]) and math.isfinite(r["val_loss"])
        assert all(math.isfinite(v) for v in r["grad_norm"].values())
    assert len(seen) == len(h.epochs)  # the diverged epoch is never reported
    json.dumps(h.to_dict(), allow_nan=False)
    # deterministic: the same config diverges in the same epoch
    again = train(cfg)
    assert again.status == "diverged"
    assert comparable(again) == comparable(h)


def test_should_stop_after_three_epochs():
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    cfg = tiny(epochs=10)
    h = train(cfg, should_stop=should_stop)
    assert h.status == "stopped"
    assert len(h.epochs) == 3
    assert [r["epoch"] for r in h.epochs] == [1, 2, 3]
    assert "3" in h.message
    assert len(calls) == 4


def test_on_epoch_called_once_per_epoch_and_history_filled_in_place():
    cfg = tiny(epochs=5)
    h = History(config={}, layers=[])
    seen = []

    def on_epoch(record):
        seen.append(record["epoch"])
        assert h.epochs[-1] is record  # the caller's History is live during the run
        assert len(h.epochs) == record["epoch"]
        assert h.status == "running"

    out = train(cfg, on_epoch=on_epoch, history=h)
    assert out is h
    assert seen == [1, 2, 3, 4, 5]
    assert len(h.epochs) == 5
    assert h.status == "finished"
    assert h.layers == ["layer1", "layer2", "layer3", "out"]
    assert h.config["depth"] == cfg.depth and h.derived["init_used"] == "he"
    assert h.model is not None


def test_problems_batch_norm_with_batch_size_one():
    assert problems(tiny()) == []
    bad = tiny(batch_norm=True, batch_size=1)
    reasons = problems(bad)
    assert len(reasons) == 1 and "batch" in reasons[0].lower()
    with pytest.raises(CannotTrain, match="[Bb]atch norm"):
        train(bad)


def test_batch_norm_skips_a_final_batch_of_one():
    # 199 points -> 60 validation, 139 training = 46 batches of 3 and one of 1
    cfg = tiny(n_samples=199, batch_size=3, batch_norm=True, epochs=2)
    h = train(cfg)
    assert len(h.epochs[0]["grad_norm"]) == 4
    assert h.status == "finished" and len(h.epochs) == 2


def test_to_dict_contract():
    cfg = tiny(epochs=3)
    h = train(cfg)
    d = h.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert {"config", "status", "seconds", "layers", "epochs", "grad_norm"} <= set(back)
    assert back["status"] == "finished"
    assert back["config"]["depth"] == cfg.depth and back["config"]["dataset"] == cfg.dataset
    assert isinstance(back["seconds"], float) and back["seconds"] >= 0
    assert back["layers"] == ["layer1", "layer2", "layer3", "out"]
    assert len(back["epochs"]) == cfg.epochs
    for i, r in enumerate(back["epochs"]):
        assert {"epoch", "train_loss", "val_loss", "train_acc", "val_acc"} <= set(r)
        assert r["epoch"] == i + 1
        assert "grad_norm" not in r
        assert {"act", "hist"} <= set(r)
    assert list(back["grad_norm"]) == back["layers"]
    for name, series in back["grad_norm"].items():
        assert len(series) == cfg.epochs
        assert series == [r["grad_norm"][name] for r in h.epochs]
    short = h.to_dict(detail=False)
    assert all("act" not in r and "hist" not in r for r in short["epochs"])
    assert all(r[m] == s[m] for r, s in zip(d["epochs"], short["epochs"]) for m in METRICS)


@pytest.mark.parametrize(
    "cfg",
    [
        MLPConfig(n_samples=200, depth=3, width=16, epochs=2),
        MLPConfig(n_samples=200, depth=3, width=16, epochs=2, optimizer="sgd", lr=0.1, weight_decay=1e-3),
    ],
)
def test_the_fused_update_gives_the_weights_of_the_per_parameter_loop(cfg):
    """make_optimizer asks for torch's fused update (one kernel for all the parameters); it
    must change nothing but float rounding: the same run with the per-parameter loop ends on the
    same weights to 1e-5, and the fused run itself is bit-for-bit reproducible."""
    import core.engine.training as training

    fast = train(cfg).model.state_dict()
    again = train(cfg).model.state_dict()
    original = training.make_optimizer

    def loop(cfg, model):
        opt = original(cfg, model)
        assert all(group["fused"] for group in opt.param_groups)
        for group in opt.param_groups:
            group["fused"], group["foreach"] = False, False
        return opt

    training.make_optimizer = loop
    try:
        slow = train(cfg).model.state_dict()
    finally:
        training.make_optimizer = original
    assert all(torch.equal(fast[k], again[k]) for k in fast)
    assert all(torch.allclose(fast[k], slow[k], rtol=1e-5, atol=1e-6) for k in fast)
