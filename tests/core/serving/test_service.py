"""The training service: identical runs train once and every subscriber receives each epoch from
the first, equal to a solo run's; one subscriber leaving leaves the others' run going, the last
one leaving stops it and frees its share; finished runs are kept a while; beyond the bound, a
line. Real worker processes, real training."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from core.base.paths import datasets_dir
from core.contract.config import MLPConfig
from core.engine.training import train
from core.serving.service import TrainingService, run_key

KEYS = ("train_loss", "val_loss", "train_acc", "val_acc", "grad_norm", "grad_rms", "act", "hist")


@pytest.fixture(scope="module")
def service():
    s = TrainingService(processes=2, bound=4)
    yield s
    s.close()


def subscribe(service, cfg, language="en"):
    """What the page does: join the identical run, else wait for a share and start it."""
    sub = service.join(cfg, "cpu", language)
    if sub is None:
        ticket = service.line.join()
        assert service.line.wait(ticket, 120)
        sub = service.start(cfg, "cpu", language, datasets_dir(), ticket)
    return sub


def drain(sub, until_epoch=None):
    """The subscription's epochs and its end ((kind, payload), or None when left at until_epoch)."""
    epochs = []
    for kind, payload in sub.events():
        if kind == "epoch":
            epochs.append(payload)
            if until_epoch is not None and payload["epoch"] == until_epoch:
                return epochs, None
        elif kind != "wait":
            return epochs, (kind, payload)
    raise AssertionError("the events ended without an end")  # pragma: no cover


def same_as_solo(epochs, cfg):
    solo = train(cfg)
    assert len(epochs) == len(solo.epochs) == cfg.epochs
    for got, want in zip(epochs, solo.epochs):
        assert got["epoch"] == want["epoch"]
        for key in KEYS:
            assert got[key] == want[key], (got["epoch"], key)
    return solo


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_key_is_the_public_config_the_device_and_the_language():
    a, b = MLPConfig(seed=1), MLPConfig(seed=2)
    assert run_key(a, "cpu", "en") == run_key(MLPConfig(seed=1), "cpu", "en")
    assert len({run_key(a, "cpu", "en"), run_key(b, "cpu", "en"), run_key(a, "cuda", "en"),
                run_key(a, "cpu", "ko")}) == 4  # fmt: skip


def test_identical_runs_train_once_and_each_receives_every_epoch_as_solo(service):
    cfg = MLPConfig(n_samples=800, depth=4, width=32, epochs=20, seed=11, dropout=0.2)
    before = service.trainings
    first = subscribe(service, cfg)
    head, _ = drain(first, until_epoch=5)
    late = subscribe(service, cfg)  # joins mid-run: receives the epochs from the first
    assert late.joined and not first.joined and service.trainings == before + 1
    got = {}

    def follow(name, sub):
        got[name] = drain(sub)

    threads = [threading.Thread(target=follow, args=(n, s)) for n, s in (("first", first), ("late", late))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    first_epochs = head + got["first"][0]
    late_epochs, (kind, summary) = got["late"]
    assert kind == "done" and summary["status"] == "finished" and got["first"][1][0] == "done"
    solo = same_as_solo(first_epochs, cfg)
    same_as_solo(late_epochs, cfg)
    assert late_epochs[-1] is not first_epochs[-1]  # each its own copy of every record
    late_epochs[0]["val_loss"] = -1.0
    assert first_epochs[0]["val_loss"] == solo.epochs[0]["val_loss"]
    mine = solo.model.state_dict()
    assert all(torch.equal(torch.from_numpy(summary["weights"][k]), mine[k]) for k in mine)
    assert service.trainings == before + 1
    # finished lately: a third visitor receives the whole run at once, trained by nobody again
    third = subscribe(service, cfg)
    epochs, (kind, summary) = drain(third)
    assert third.joined and kind == "done" and service.trainings == before + 1
    same_as_solo(epochs, cfg)


def test_one_leaving_leaves_the_others_run_going_and_the_last_leaving_stops_it(service):
    cfg = MLPConfig(n_samples=2000, depth=6, width=64, epochs=200, seed=12)
    a = subscribe(service, cfg)
    drain(a, until_epoch=2)
    b = subscribe(service, cfg)
    a.close()  # Stop in one tab
    epochs, end = drain(b, until_epoch=8)  # the other's keeps training
    assert end is None and epochs[-1]["epoch"] == 8 and service.sharing() >= 1
    b.close()  # the last one watching: the run stops and its share is free at once
    assert service.sharing() == 0 and service.line.counts() == (0, 0)
    wait_until(lambda: sum(service.pool.load()) == 0)
    # a stopped run is not kept for others: the next visitor trains it afresh
    before = service.trainings
    c = subscribe(service, cfg)
    assert not c.joined and service.trainings == before + 1
    c.close()


def test_distinct_runs_share_the_workers_and_beyond_the_bound_wait_in_line():
    service = TrainingService(processes=1, bound=2)
    try:
        cfgs = [MLPConfig(n_samples=1000, depth=4, width=32, epochs=60, seed=s) for s in (21, 22, 23)]
        a, b = subscribe(service, cfgs[0]), subscribe(service, cfgs[1])
        assert service.sharing() == 2 and service.pool.load() == [2]
        ticket = service.line.join()  # the third is beyond the bound
        assert not service.line.wait(ticket, 0.5) and service.line.position(ticket) == 1
        ea, _ = drain(a, until_epoch=1)
        eb, _ = drain(b, until_epoch=1)  # both have their first epoch: they advance in turn
        drain(a, until_epoch=4)
        with service._lock:  # no epoch arrives meanwhile
            estimate, seen = a.estimate(), list(a.run.epochs)
        last = seen[-10:]  # the remaining epochs at the pace of the last ten (wall time)
        pace = (last[-1]["seconds"] - last[0]["seconds"]) / (len(last) - 1)
        assert estimate == pytest.approx((cfgs[0].epochs - seen[-1]["epoch"]) * pace) and estimate > 0
        a.close()  # a share frees: the third starts
        assert service.line.wait(ticket, 10)
        c = service.start(cfgs[2], "cpu", "en", datasets_dir(), ticket)
        epochs_c, (kind, _summary) = drain(c)
        epochs_b, (kind_b, _summary_b) = drain(b)
        assert kind == kind_b == "done" and service.trainings == 3
        same_as_solo(epochs_c, cfgs[2])
        same_as_solo(eb + epochs_b, cfgs[1])
    finally:
        service.close()


def test_epochs_that_come_close_together_reach_the_page_in_one_batch():
    """Subscription.batches(gather=...): the first epoch comes alone and at once (the first
    chart), later ones that come within `gather` of the page's last batch are taken together,
    every epoch exactly once and in order, and the end is not held back."""
    from core.serving.service import SharedRun, Subscription

    sub = Subscription(None, SharedRun(key=("mlp",), cfg=MLPConfig(epochs=30), ticket=0))

    def trainer():
        for i in range(30):
            sub.inbox.put(("epoch", {"epoch": i + 1}))
            time.sleep(0.01)
        sub.inbox.put(("done", {"status": "finished"}))

    start = time.monotonic()
    threading.Thread(target=trainer, daemon=True).start()
    got, at = [], []
    for kind, payload in sub.batches(poll=0.05, gather=0.1):
        at.append(time.monotonic() - start)
        got.append((kind, [r["epoch"] for r in payload] if kind == "epochs" else payload))
    epochs = [b for kind, b in got if kind == "epochs"]
    assert epochs[0] == [1]  # the first epoch alone: nothing before it to gather with
    assert [e for b in epochs for e in b] == list(range(1, 31))
    batch_at = [t for t, (kind, _) in zip(at, got) if kind == "epochs"]
    assert all(b - a >= 0.1 - 0.005 for a, b in zip(batch_at, batch_at[1:]))  # none sooner than gather
    assert max(len(b) for b in epochs) > 1 and len(epochs) <= 2 + (batch_at[-1] - batch_at[0]) / 0.1
    assert got[-1] == ("done", {"status": "finished"})
    plain = Subscription(None, SharedRun(key=("mlp",), cfg=MLPConfig(epochs=3), ticket=0))
    for i in range(3):
        plain.inbox.put(("epoch", {"epoch": i + 1}))
    assert next(plain.batches()) == ("epochs", [{"epoch": 1}, {"epoch": 2}, {"epoch": 3}])  # all waiting
