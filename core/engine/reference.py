"""The plain training loop: what a careful script writes, with nothing recorded.

It is the oracle for core.engine.training.train (the same data, seed and batch order through both give
the same weights and per-layer gradient norms: tests/core/engine/test_reference.py) and the baseline
the benchmarks measure the trainer's recording cost against (bench/training_overhead.py,
bench/cnn.py). Keep it bare: every line here is one the trainer also runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from core.engine.labs import lab_of
from core.engine.models import weight_layers
from core.engine.training import batch_orders, make_optimizer, set_lr


@dataclass
class PlainRun:
    """The trained model and what was asked for: per-epoch gradient norms, validation loss and
    accuracy."""

    model: nn.Module
    grad_norm: list[dict[str, float]] = field(default_factory=list)  # per epoch: layer -> mean norm
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)


def plain_train(
    cfg: Any,
    split: Any,
    *,
    device: str = "cpu",
    grad_norms: bool = False,
    grad_every: int = 1,
    val_acc: bool = False,
) -> PlainRun:
    """Train cfg's model on split with forward, loss, backward, step; optionally measure each
    layer's weight-gradient norm on every `grad_every`-th step of an epoch, counted from its
    first (one .item() per layer: slow, for tests) and, after
    each epoch, the validation loss and accuracy, as pytorch/examples' mnist test() does (what a
    careful script prints)."""
    model = lab_of(cfg).build(cfg, split).to(device)
    opt = make_optimizer(cfg, model)
    x, y = split.x_train.to(device), split.y_train.to(device)
    n, bs = len(x), min(cfg.batch_size, len(x))
    next_order = batch_orders(cfg, n)
    layers = weight_layers(model)
    run = PlainRun(model)
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order = next_order().to(device)
        sums, steps = dict.fromkeys(layers, 0.0), 0
        for step, i in enumerate(range(0, n, bs)):
            idx = order[i : i + bs]
            if cfg.batch_norm and len(idx) < 2:
                continue  # batch norm cannot normalise a single example
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if grad_norms and step % grad_every == 0:
                for name, m in layers.items():
                    sums[name] += torch.linalg.vector_norm(m.weight.grad).item()
                steps += 1
            opt.step()
        if grad_norms:
            run.grad_norm.append({k: v / steps for k, v in sums.items()})
        set_lr(cfg, opt, epoch)
        if val_acc:
            model.eval()
            y_val = split.y_val.to(device)
            with torch.no_grad():
                logits = model(split.x_val.to(device))
            run.val_loss.append(F.cross_entropy(logits, y_val, reduction="sum").item() / len(y_val))
            run.val_acc.append((logits.argmax(1) == y_val).sum().item() / len(y_val))
    return run
