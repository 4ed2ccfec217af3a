"""A training worker's life (core/serving/workers.py starts them): it holds every run it is
given and advances them in turn, a slice at a time (an epoch, or SLICE_S of CPU time of a long
epoch: core.engine.training.train_slices), so a class pressing Train together all see their first
epoch within a round of slices instead of waiting for whole runs to finish. A run's result is bit
for bit what it is alone: its generators are its own. Each epoch goes back as (job, "epoch",
record) and the end as "done" with the trained weights, so the page can rebuild the model for its
own views. ("stop", job) drops a run at once; ("want", job) asks for the weights with the next
epoch (a live redraw is due). The same loop runs in a thread of the server where there is no
room for processes (workers.InlinePool)."""

from __future__ import annotations

import os
import queue
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.serving.weights import cpu_weights

SLICE_S = 0.02  # CPU seconds a run trains before the next run's turn (and always at an epoch's end)


@dataclass
class Job:
    """What a worker needs to train: the config, the device, the page's language, and where the
    page reads image sets from (the same files, so the same seeded split)."""

    id: int
    cfg: Any
    device: str = "cpu"
    language: str = "en"
    datasets: str = ""


def _alive(pid: int) -> bool:
    """Whether process `pid` still runs (a zombie, killed and not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:  # pragma: no cover - no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _next_message(inbox: Any, wait: bool, server: int | None, poll: float = 2.0) -> Any:
    """The next message; queue.Empty when there is none and `wait` is False. Waiting, None (quit)
    once `server`, the process this worker trains for, is gone: a server killed outright
    (SIGKILL, out of memory) cannot send the None, and a worker left behind would hold its memory
    for good. (Not the parent: that is the fork server, which outlives a killed server while its
    workers hold its pipe.) None: a thread of the server itself (InlinePool)."""
    if not wait:
        return inbox.get_nowait()
    while True:
        try:
            return inbox.get(timeout=poll)
        except queue.Empty:
            if server is not None and not _alive(server):
                return None


@dataclass
class _Run:
    """A run a worker holds: its job, the paused training, and what the page asked for."""

    job: Job
    slices: Any  # the generator of core.engine.training.train_slices
    history: Any
    want: bool = True  # the first epoch brings its weights: the page draws it at once


def work(inbox: Any, outbox: Any, threads: int, server: int | None) -> None:
    """A worker's life: warm up, then hold every run it is given and advance them in turn, one
    slice each, until told to quit (None)."""
    import torch

    from core.base import malloc
    from core.base.i18n import set_language
    from core.contract.config import MLPConfig
    from core.engine.training import CannotTrain, History, data_for, train, train_slices

    torch.set_num_threads(threads)
    malloc.tune()  # per-epoch tensors reuse heap memory instead of faulting in fresh pages
    train(MLPConfig(n_samples=40, depth=1, width=4, epochs=1))  # import torch's compiler stack now
    outbox.put((0, "ready", None))
    runs: dict[int, _Run] = {}
    turns: deque[int] = deque()
    checked = time.monotonic()

    def start(job: Job) -> None:
        split = data_for(job.cfg, download=False, root=Path(job.datasets))  # the page's split, rebuilt
        history = History(config={}, layers=[])
        run = _Run(job, None, history)

        def epoch_done(record: dict) -> None:
            if run.want:  # the page is about to redraw: it needs the weights as they are now
                run.want = False
                record = {**record, "weights": cpu_weights(history.model)}
            outbox.put((job.id, "epoch", record))

        run.slices = train_slices(
            job.cfg, split=split, on_epoch=epoch_done, history=history, device=job.device, slice_s=SLICE_S
        )
        runs[job.id] = run
        turns.append(job.id)

    def end(run: _Run, kind: str, payload: Any) -> None:
        runs.pop(run.job.id, None)
        outbox.put((run.job.id, kind, payload))

    while True:
        try:
            message = _next_message(inbox, wait=not runs, server=server)
        except queue.Empty:
            message = ()
        if message is None:
            return
        if server is not None and time.monotonic() - checked > 2.0:
            checked = time.monotonic()
            if not _alive(server):
                return  # the server is gone (checked between slices too)
        if message:
            kind, what = message
            if kind == "start":
                set_language(what.language)
                try:
                    start(what)
                except Exception:  # a bug: the page shows it, the worker lives on
                    outbox.put((what.id, "crash", traceback.format_exc()))
            elif kind == "stop" and what in runs:
                runs.pop(what).slices.close()
            elif kind == "want" and what in runs:
                runs[what].want = True
            continue  # every waiting message first: a stop frees its share at once
        job_id = turns.popleft()
        run = runs.get(job_id)
        if run is None:
            continue  # stopped meanwhile
        set_language(run.job.language)
        try:
            next(run.slices)
        except StopIteration:
            history = run.history
            summary = {k: getattr(history, k) for k in ("status", "message", "seconds", "layers", "derived")}
            end(run, "done", {**summary, "weights": cpu_weights(history.model)})
            continue
        except CannotTrain as err:
            end(run, "cannot", str(err))
            continue
        except Exception:  # a bug: the page shows it, the worker lives on for the other runs
            end(run, "crash", traceback.format_exc())
            continue
        turns.append(job_id)
