"""Training in worker processes: a job trained there streams the same epochs and ends on the same
weights as train() here, and so does each of several jobs one worker advances in turn; stop drops
a job at once; a config that cannot train, the page's language and a worker that dies are each
handled. The same protocol with threads (InlinePool)."""

from __future__ import annotations

import os
import queue
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from core.base.paths import datasets_dir
from core.contract.config import CNNConfig, MLPConfig
from core.contract.presets import PRESETS
from core.engine.training import data_for, train
from core.serving.weights import PageModel, cpu_weights
from core.serving.workers import InlinePool, WorkerPool

CFG = MLPConfig(n_samples=300, depth=3, width=16, epochs=4, dropout=0.2)


class Inbox:
    """Every event of a pool, per job, as the pool's reader threads hand them over."""

    def __init__(self) -> None:
        self.jobs: dict[int, queue.Queue] = {}

    def __call__(self, job, kind, payload) -> None:
        self.of(job).put((kind, payload))

    def of(self, job: int) -> queue.Queue:
        return self.jobs.setdefault(job, queue.Queue())


@pytest.fixture(scope="module", params=[WorkerPool, InlinePool], ids=["processes", "threads"])
def pool(request):
    inbox = Inbox()
    p = request.param(1, on_event=inbox)
    p.inbox = inbox
    yield p
    p.close()


def events(pool, job, timeout=180):
    """(kind, payload) of one job until its end."""
    while True:
        kind, payload = pool.inbox.of(job).get(timeout=timeout)
        yield kind, payload
        if kind in ("done", "cannot", "crash"):
            return


def run(pool, cfg, language="en", stop_after=None, ask=False):
    worker, job = pool.submit(cfg, "cpu", language, datasets_dir())
    epochs, end = [], None
    for kind, payload in events(pool, job):
        if kind == "epoch":
            epochs.append(payload)
            if stop_after is not None and len(epochs) == stop_after:
                pool.stop(worker, job)  # what the page does on Stop or a closed tab
                return epochs, None
            if ask:
                pool.want(worker, job)
        else:
            end = (kind, payload)
    return epochs, end


def test_a_job_streams_the_epochs_and_weights_that_train_gives_here(pool):
    epochs, (kind, summary) = run(pool, CFG)
    here = train(CFG)
    assert kind == "done" and summary["status"] == "finished" and summary["layers"] == here.layers
    assert summary["derived"] == here.derived
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4]
    for got, want in zip(epochs, here.epochs):
        assert got["val_loss"] == want["val_loss"] and got["grad_rms"] == want["grad_rms"]
    assert "weights" in epochs[0]  # the first epoch brings its weights: the page draws at once
    mine = here.model.state_dict()
    assert all(torch.equal(torch.from_numpy(summary["weights"][k]), mine[k]) for k in mine)


def test_a_pages_model_is_built_only_when_asked_for_and_holds_the_latest_weights():
    """PageModel: receiving weights builds nothing; the first ask builds the module once and
    loads the latest weights received, equal to the trained net's; later weights go into that
    same module when next asked for."""
    from core.engine.labs import lab_of

    split = data_for(CFG)
    early, final = train(replace(CFG, epochs=1), split=split), train(CFG, split=split)
    page = PageModel(lambda: lab_of(CFG).build(CFG, split))
    page.receive(cpu_weights(early.model))
    page.receive(cpu_weights(final.model))
    assert page.builds == 0
    model = page()
    assert page.builds == 1 and page() is model
    want = final.model.state_dict()
    assert all(torch.equal(model.state_dict()[k], want[k]) for k in want)
    page.receive(cpu_weights(early.model))
    assert page() is model and page.builds == 1
    assert all(torch.equal(model.state_dict()[k], v) for k, v in early.model.state_dict().items())
    fresh = PageModel(lambda: lab_of(CFG).build(CFG, split))()  # nothing received: the net as built
    built = lab_of(CFG).build(CFG, split).state_dict()
    assert all(torch.equal(fresh.state_dict()[k], v) for k, v in built.items())


def test_stop_ends_the_job_and_the_next_job_is_unaffected(pool):
    long = MLPConfig(n_samples=2000, depth=6, width=64, epochs=300)
    epochs, end = run(pool, long, stop_after=2)
    assert end is None and len(epochs) == 2  # the page stopped listening at once
    epochs, (kind, summary) = run(pool, CFG)  # the same worker: the stopped job's tail is skipped
    assert kind == "done" and [e["epoch"] for e in epochs] == [1, 2, 3, 4]


def test_a_config_that_cannot_train_and_the_pages_language(pool):
    _, (kind, reason) = run(pool, CNNConfig(conv_layers=4, channels="8,16,32,64", epochs=1))
    assert kind == "cannot" and "floor(" in reason
    _, (kind, summary) = run(pool, MLPConfig(**PRESETS["diverging"].fields), language="ko")
    assert kind == "done" and summary["status"] == "diverged"
    assert "NaN" in summary["message"] and any("\uac00" <= c <= "\ud7a3" for c in summary["message"])


def test_an_image_job_reads_the_pages_data_folder(pool, tmp_path):
    cfg = CNNConfig(n_train=100, epochs=1)
    _, (kind, summary) = run(pool, cfg)
    assert kind == "done" and summary["layers"] == ["conv1", "conv2", "dense1", "out"]
    assert data_for(cfg, download=False).dataset == "digits"


def test_a_worker_that_dies_is_reported_and_replaced():
    inbox = Inbox()
    pool = WorkerPool(1, on_event=inbox)
    pool.inbox = inbox
    try:
        worker, job = pool.submit(
            MLPConfig(n_samples=2000, depth=6, width=64, epochs=300), "cpu", "en", datasets_dir()
        )
        stream = events(pool, job)
        assert next(e for e in stream if e[0] == "epoch")
        os.kill(worker.process.pid, signal.SIGKILL)
        kind, why = next(e for e in stream if e[0] != "epoch")
        assert kind == "crash" and "ended unexpectedly" in why
        fresh = pool.workers[0]
        assert fresh is not worker and fresh.process.is_alive() and pool.load() == [0]
        epochs, (kind, _summary) = run(pool, CFG)
        assert kind == "done" and len(epochs) == 4
    finally:
        pool.close()
        time.sleep(0.1)


def test_weights_sent_whenever_asked_leave_the_training_exactly_as_it_was(pool):
    """The page asks for the weights whenever it redraws. Sending them must not touch the live
    parameters (torch would move a tensor's storage into shared memory to send it: that once
    turned a default run into NaN under load); the weights travel as copies. Here the page asks
    after every epoch it receives (the worker may finish another epoch before it sees the ask)."""
    cfg = MLPConfig(n_samples=2000, depth=4, width=32, epochs=8)
    epochs, end = run(pool, cfg, ask=True)  # ask again after every epoch received
    sent = sum("weights" in e for e in epochs)
    here = train(cfg).model.state_dict()
    assert 2 <= sent <= cfg.epochs and end[0] == "done" and end[1]["status"] == "finished"
    assert all(torch.equal(torch.from_numpy(end[1]["weights"][k]), here[k]) for k in here)


def test_runs_on_one_worker_advance_in_turn_and_each_ends_as_alone(pool):
    """Three runs given to one worker at once: each gets its first epoch before any finishes, and
    each ends on exactly the weights and epochs it has alone (MLP and CNN alike)."""
    cfgs = [
        MLPConfig(n_samples=1000, depth=4, width=32, epochs=12, seed=1),
        MLPConfig(n_samples=1000, depth=4, width=32, epochs=12, seed=2, dropout=0.3),
        CNNConfig(n_train=400, epochs=3, dropout=0.25),
    ]
    jobs = [pool.submit(cfg, "cpu", "en", datasets_dir())[1] for cfg in cfgs]
    seen: list[tuple[int, str, int]] = []  # (job, kind, epoch) in the order they came
    results = {}
    streams = {job: events(pool, job) for job in jobs}
    pending = set(jobs)
    deadline = time.monotonic() + 300
    while pending and time.monotonic() < deadline:
        for job in list(pending):
            try:
                kind, payload = pool.inbox.of(job).get(timeout=0.05)
            except queue.Empty:
                continue
            seen.append((job, kind, payload.get("epoch", 0) if kind == "epoch" else 0))
            results.setdefault(job, []).append((kind, payload))
            if kind in ("done", "cannot", "crash"):
                pending.discard(job)
    del streams
    assert not pending
    first_done = next(i for i, s in enumerate(seen) if s[1] == "done")
    assert all(any(s[0] == job and s[1] == "epoch" for s in seen[:first_done]) for job in jobs)
    for cfg, job in zip(cfgs, jobs):
        here = train(cfg, split=data_for(cfg, download=False))
        got = [p for k, p in results[job] if k == "epoch"]
        kind, summary = results[job][-1]
        assert kind == "done" and summary["status"] == "finished" and len(got) == cfg.epochs
        for a, b in zip(got, here.epochs):
            for key in ("train_loss", "val_loss", "train_acc", "val_acc", "grad_norm", "act", "hist"):
                assert a[key] == b[key], key
        mine = here.model.state_dict()
        assert all(torch.equal(torch.from_numpy(summary["weights"][k]), mine[k]) for k in mine)


def test_workers_quit_when_their_server_is_killed(tmp_path):
    """A server killed outright (SIGKILL: it cannot tell its workers to quit) must not leave its
    training workers behind, each holding its own torch (about 0.5 GB)."""
    import subprocess
    import sys

    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from core.serving.workers import WorkerPool\n"
            "pool = WorkerPool(2)\n"
            "print(*[w.process.pid for w in pool.workers], flush=True)\n"
            "time.sleep(600)",
        ],
        cwd=str(Path(__file__).resolve().parents[3]),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        workers = [int(p) for p in server.stdout.readline().split()]
        assert len(workers) == 2 and all(os.path.exists(f"/proc/{p}") for p in workers)
        time.sleep(1.0)  # the workers are up (importing torch) and waiting for jobs soon
    finally:
        server.kill()
        server.wait(10)

    def alive(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                return fh.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has quit
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 60  # a worker still warming up checks once it waits for a job
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.5)
    left = [p for p in workers if alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their killed server"
