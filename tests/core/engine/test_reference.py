"""The trainer against the plain loop (micrograd's habit: check the machinery against the bare
algorithm): the same data, seed and batch order through core.engine.training.train and through a bare
forward / loss / backward / step loop give the same weights and the same per-layer gradient
norms. Everything train() records on the side must leave the training itself untouched."""

from __future__ import annotations

import pytest
import torch

from core.contract.config import CNNConfig, MLPConfig
from core.engine.reference import plain_train
from core.engine.training import data_for, train

CASES = {
    "mlp relu adam": MLPConfig(n_samples=300, depth=3, width=16, epochs=3),
    "mlp 44 steps an epoch: norms on every 2nd": MLPConfig(n_samples=2000, depth=2, width=8, epochs=2),
    "mlp sigmoid sgd, dropout, batch norm, residual, weight decay": MLPConfig(
        n_samples=300,
        depth=4,
        width=16,
        activation="sigmoid",
        optimizer="sgd",
        lr=0.1,
        dropout=0.3,
        batch_norm=True,
        residual=True,
        weight_decay=1e-3,
        batch_size=17,  # leaves a last batch of one point, which batch norm must skip
        epochs=3,
    ),
    "cnn defaults, dropout, cosine": CNNConfig(n_train=300, epochs=3, dropout=0.5, lr_schedule="cosine"),
    "cnn no batch norm, avg pool, tanh": CNNConfig(
        n_train=200, epochs=2, batch_norm=False, pool="avg", activation="tanh", dense_width=0
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_trainer_matches_the_plain_loop(name):
    cfg = CASES[name]
    split = data_for(cfg, download=False) if isinstance(cfg, CNNConfig) else data_for(cfg)
    history = train(cfg, split=split)
    steps = -(-len(split.x_train) // min(cfg.batch_size, len(split.x_train)))
    every = max(1, steps // 16)  # an epoch of more than 31 steps is measured on every n-th step
    assert history.derived.get("grad_every", 1) == every
    plain = plain_train(cfg, split, grad_norms=True, grad_every=every)
    assert history.status == "finished" and len(history.epochs) == len(plain.grad_norm) == cfg.epochs
    got, want = history.model.state_dict(), plain.model.state_dict()
    assert list(got) == list(want)
    for key in want:
        assert torch.equal(got[key], want[key]), key  # bit for bit: the same ops in the same order
    for record, norms in zip(history.epochs, plain.grad_norm):
        assert list(record["grad_norm"]) == list(norms) == history.layers
        for layer, value in norms.items():
            assert record["grad_norm"][layer] == pytest.approx(value, rel=1e-5)
    # and what train() says it learned is the model's: the plain loop's weights score the same
    plain.model.eval()
    with torch.no_grad():
        acc = (plain.model(split.x_val).argmax(1) == split.y_val).float().mean().item()
    assert history.epochs[-1]["val_acc"] == pytest.approx(acc, abs=1e-6)


@pytest.mark.parametrize(
    "name", ["mlp sigmoid sgd, dropout, batch norm, residual, weight decay", "cnn defaults, dropout, cosine"]
)
def test_the_plain_loops_validation_is_the_trainers(name):
    """The benches' baseline evaluates the validation set once per epoch (as pytorch/examples'
    mnist does): the same loss and accuracy the trainer records, and the training unchanged."""
    cfg = CASES[name]
    split = data_for(cfg, download=False) if isinstance(cfg, CNNConfig) else data_for(cfg)
    history = train(cfg, split=split)
    plain = plain_train(cfg, split, val_acc=True)
    assert len(plain.val_loss) == len(plain.val_acc) == cfg.epochs
    assert plain.val_loss == pytest.approx(history.series("val_loss"), rel=1e-5)
    assert plain.val_acc == pytest.approx(history.series("val_acc"), abs=1e-6)
    for key, value in plain.model.state_dict().items():
        assert torch.equal(history.model.state_dict()[key], value), key
