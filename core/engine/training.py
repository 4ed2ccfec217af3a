"""train(cfg) -> History: the explicit training loop, with everything the lab shows recorded.

The loop reads as the algorithm. Per step: (1) forward, (2) cross-entropy, (3) backward,
(4) record each layer's gradient norm (fused, on the device), (5) optimiser step.
Per epoch: evaluate train and validation sets without dropout (activation statistics are
hooked onto that pass), take weight and gradient histograms, then call back.

Progress leaves only through callbacks: on_epoch(record) after each epoch and should_stop()
before each; nothing here prints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from core.base.i18n import _
from core.contract.datasets import Split
from core.engine.labs import lab_of
from core.engine.models import SeededDropout, resolve_init, weight_layers
from core.engine.probes import ActivationProbe, GradNorms, layer_histograms
from core.engine.run_history import History  # train() returns one; imported from here too

# Training-set metrics are measured each epoch on a fixed sample of this many training points
# (all of them when there are fewer): the curve's shape is the same at a fraction of the cost.
EVAL_TRAIN_POINTS = 256
EVAL_CHUNK = 2048  # rows per forward pass when evaluating: bounds memory on big image sets
# The gradient norms are recorded on every n-th step of an epoch, n = steps // GRAD_SAMPLES: all
# steps of an epoch of up to 31 (the MLP lab's default has 22), 16 to 31 evenly spaced ones of a
# longer epoch, on every device alike (a run says n as derived["grad_every"]). On a GPU each fused
# norm is a kernel launch as costly as a small net's step; on the CPU the per-step norms were the
# largest part of what recording costs (bench/training_overhead.py).
GRAD_SAMPLES = 16


class CannotTrain(Exception):
    """A config that cannot train on its data (e.g. a CNN whose maps shrink to nothing); the
    message says why in words. Any other exception from train() is a bug."""


def problems(cfg: Any, shape: tuple[int, ...] | None = None) -> list[str]:
    """Reasons a config cannot train on inputs of `shape`, in words (checked before the loop)."""
    return lab_of(cfg).problems(cfg, shape)


def make_optimizer(cfg: Any, model: nn.Module) -> torch.optim.Optimizer:
    """SGD (momentum 0 is plain SGD) or Adam, both with L2 weight decay. fused: torch's one-kernel
    update of all the parameters (CPU and CUDA) instead of a Python loop over them: the same
    update up to float rounding (tests/core/engine/test_training.py), a default MLP run with Adam about
    30% faster on the CPU than the foreach update, which was itself 20-25% faster than the loop."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, fused=True
        )
    return torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, fused=True)


def set_lr(cfg: Any, opt: torch.optim.Optimizer, epochs_done: int) -> None:
    """The learning rate for the next epoch. cosine: lr * (1 + cos(pi * done / epochs)) / 2,
    falling smoothly from lr to 0 over the run (big steps first, fine ones at the end)."""
    if getattr(cfg, "lr_schedule", "constant") == "cosine":
        for group in opt.param_groups:
            group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * epochs_done / cfg.epochs))


def data_for(cfg: Any, **options: Any) -> Split:
    """The seeded train/validation split a config trains on (image labs: options such as
    download=False go to the loader)."""
    return lab_of(cfg).data(cfg, **options)


def batch_orders(cfg: Any, n: int) -> Callable[[], torch.Tensor]:
    """Each call gives the next epoch's shuffled order (seeded, independent of global RNG)."""
    g = torch.Generator().manual_seed(cfg.seed + 2)
    return lambda: torch.randperm(n, generator=g)


def mode_matters(model: nn.Module) -> bool:
    """Whether train/eval mode changes the model's output (dropout, batch norm): switching
    walks every module, so a net without them skips it."""
    modal = (SeededDropout, nn.Dropout, nn.modules.batchnorm._BatchNorm)
    return any(isinstance(m, modal) for m in model.modules())


def train(
    cfg: Any,
    *,
    split: Split | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    history: History | None = None,
    device: str = "cpu",
) -> History:
    """Train a lab's model (MLPConfig or CNNConfig) for cfg.epochs, recording every epoch into
    `history` (created if None). Raises CannotTrain when the config cannot train on the data.

    Pass your own `history` to hold a live reference: every finished epoch is in it even if
    the caller is interrupted mid-run.
    """
    history = History(config={}, layers=[]) if history is None else history
    for _slice in train_slices(
        cfg, split=split, on_epoch=on_epoch, should_stop=should_stop, history=history, device=device
    ):
        pass
    return history


def train_slices(
    cfg: Any,
    *,
    history: History,
    split: Split | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    device: str = "cpu",
    slice_s: float = 0.0,
) -> Iterator[None]:
    """train() a slice at a time: a generator that pauses after every epoch and, with `slice_s`,
    within a long epoch once a slice has taken `slice_s` seconds of this thread's CPU. The run is
    the same whatever happens between slices (its generators are its own, never torch's global
    one), so a server can advance many runs in turn (core/serving/workers.py) and each ends bit
    for bit as alone."""
    lab = lab_of(cfg)
    split = split or lab.data(cfg)
    if bad := lab.problems(cfg, tuple(split.x_train.shape[1:])):
        raise CannotTrain(" ".join(bad))
    model = lab.build(cfg, split).to(device)
    layers = weight_layers(model)
    history.model, history.layers, history.status, history.lab = model, list(layers), "running", lab.name
    history.config = asdict(cfg)
    history.derived = {"init_used": resolve_init(cfg.init, cfg.activation)}
    opt = make_optimizer(cfg, model)
    grads, probe = GradNorms(layers), ActivationProbe(model, cfg.activation)
    x_tr, y_tr = split.x_train.to(device), split.y_train.to(device)  # (N, 2) or (N, C, H, W); (N,)
    x_va, y_va = split.x_val.to(device), split.y_val.to(device)
    n, bs = len(x_tr), min(cfg.batch_size, len(x_tr))
    steps = -(-n // bs)
    every = max(1, steps // GRAD_SAMPLES)
    if every > 1:  # say so in the run: gradient norms are averaged over every n-th step only
        history.derived["grad_every"] = every
    next_order = batch_orders(cfg, n)
    sample = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed + 3))
    x_ev, y_ev = x_tr[sample[:EVAL_TRAIN_POINTS].to(device)], y_tr[sample[:EVAL_TRAIN_POINTS].to(device)]
    x_eval = torch.cat([x_ev, x_va])  # evaluated every epoch: joined once, not per epoch
    switch = mode_matters(model)
    start, began = time.perf_counter(), time.thread_time()

    for epoch in range(1, cfg.epochs + 1):
        if should_stop is not None and should_stop():
            history.status = "stopped"
            history.message = _("Stopped by the user after {n} epochs.").format(n=epoch - 1)
            break
        if switch:
            model.train()
        order = next_order().to(device)
        for step, i in enumerate(range(0, n, bs)):
            idx = order[i : i + bs]
            if cfg.batch_norm and len(idx) < 2:
                continue  # batch norm cannot normalise a single point
            logits = model(x_tr[idx])  # (1) forward: (B, classes)
            loss = F.cross_entropy(logits, y_tr[idx])  # (2) mean cross-entropy
            opt.zero_grad(set_to_none=True)
            loss.backward()  # (3) backward
            if step % every == 0:
                grads.add()  # (4) per-layer |grad|, fused
            opt.step()  # (5) update
            if slice_s and time.thread_time() - began >= slice_s and i + bs < n:
                yield  # a long epoch: the next run's turn
                began = time.thread_time()

        if switch:
            model.eval()  # (dropout off, batch norm on its running statistics)
        record = evaluate(model, probe, x_eval, y_ev, y_va)
        record["grad_norm"], record["grad_rms"] = grads.pop_epoch()
        if not all(
            map(math.isfinite, [record["train_loss"], record["val_loss"], *record["grad_norm"].values()])
        ):
            history.status = "diverged"
            history.message = _(
                "The loss became infinite or NaN in epoch {epoch}; the {kept} epochs before it are "
                "kept. Try a learning rate 10x smaller, batch norm, or a smaller init."
            ).format(epoch=epoch, kept=epoch - 1)
            break
        record["hist"] = layer_histograms(layers)
        record["epoch"] = epoch
        record["seconds"] = history.seconds = time.perf_counter() - start
        history.epochs.append(record)
        set_lr(cfg, opt, epoch)
        if on_epoch is not None:
            on_epoch(record)
        if epoch < cfg.epochs:
            yield
            began = time.thread_time()
    else:
        history.status = "finished"
    history.seconds = time.perf_counter() - start


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    probe: ActivationProbe,
    x: torch.Tensor,
    y_tr: torch.Tensor,
    y_va: torch.Tensor,
) -> dict[str, Any]:
    """Loss and accuracy on (a sample of) the training set and on the validation set, in eval
    mode (no dropout, batch norm on running stats), in ONE forward pass over both: x holds the
    len(y_tr) training rows first, then the validation rows. Activation statistics come from
    the training rows of that pass. The caller puts the model in eval mode."""
    n = len(y_tr)
    with probe.watch(rows=n):  # the statistics come from the first chunk's training rows
        first = model(x[:EVAL_CHUNK])
    act = probe.pop_stats()
    rest = [model(x[i : i + EVAL_CHUNK]) for i in range(EVAL_CHUNK, len(x), EVAL_CHUNK)]
    logits = torch.cat([first, *rest]) if rest else first  # (n_tr + n_va, classes)
    logits_tr, logits_va = logits[:n], logits[n:]
    vals = torch.stack(
        [
            F.cross_entropy(logits_tr, y_tr),
            F.cross_entropy(logits_va, y_va),
            (logits_tr.argmax(1) == y_tr).float().mean(),
            (logits_va.argmax(1) == y_va).float().mean(),
        ]
    ).tolist()  # one device-to-CPU copy
    return {
        "epoch": 0,
        "train_loss": vals[0],
        "val_loss": vals[1],
        "train_acc": vals[2],
        "val_acc": vals[3],
        "act": act,
    }
