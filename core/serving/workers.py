"""Training in worker processes: one server, several trainings truly at once.

A Streamlit server runs every visitor's script as a thread of one process. Training a small net
is thousands of tiny torch calls, each releasing and retaking Python's GIL, so two trainings in
two threads hand the GIL back and forth at every call: measured here (bench/load.py, 8 visitors,
2 cores), two threads cost 1.8x the CPU of one per run, four threads 3.2x. A worker process
per training slot has its own GIL: the trainings run in parallel, and the page's thread only
receives each finished epoch, files it, and draws.

Each worker trains one job at a time with core.engine.training.train, sending ("epoch", record) after
every epoch and ("done", summary) at the end, the trained weights included, so the page can
rebuild the model for its own views. A stop flag, checked before each epoch, ends a job early
(Stop, a closed tab). The language of the job's messages is the page's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import threading
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WARM_UP_S = 120  # a new worker imports torch and warms it up before its first job


_MAIN_LOCK = threading.Lock()


@contextmanager
def _plain_main():
    """A spawned child re-imports the parent's __main__ module to find its functions. Under
    Streamlit (and AppTest) __main__ is the page script being run: the child would run the page.
    The worker's target lives in this module, so the child needs no __main__ at all: hide it
    while the process starts."""
    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = saved


@dataclass
class Job:
    """What a worker needs to train: the config, the device, the page's language, and where the
    page reads image sets from (the same files, so the same seeded split)."""

    id: int
    cfg: Any
    device: str = "cpu"
    language: str = "en"
    datasets: str = ""


def _cpu(model: Any) -> dict:
    """A model's weights as numpy copies: what crosses to the page. Not tensors: torch pickles a
    tensor sent between processes by moving its storage, the live parameter's here, into shared
    memory handed over through a socket, which broke training runs under load (a reset socket,
    a NaN). Plain arrays travel by value."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_weights(model: Any, weights: dict) -> None:
    """Put weights that came from a worker into the page's copy of the model."""
    import torch

    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})


def _next_job(inbox: Any, server: int | None, poll: float = 2.0) -> Job | None:
    """The next job, or None to quit: when told to (None), or when `server`, the process that
    started this worker, is gone. A server killed outright (SIGKILL, out of memory) cannot send
    the None, and a worker left behind would hold its ~0.5 GB for good; it is re-parented then,
    so its parent is no longer the server. None: a thread of the server itself (InlinePool)."""
    while True:
        try:
            return inbox.get(timeout=poll)
        except queue.Empty:
            if server is not None and os.getppid() != server:
                return None


def _work(inbox: mp.Queue, outbox: mp.Queue, stop: Any, want: Any, threads: int, server: int | None) -> None:
    """A worker's life: warm up, then train job after job until told to quit (None)."""
    import torch

    from core.base import malloc
    from core.base.i18n import set_language
    from core.contract.config import MLPConfig
    from core.engine.training import CannotTrain, History, data_for, train

    torch.set_num_threads(threads)
    malloc.tune()  # per-epoch tensors reuse heap memory instead of faulting in fresh pages
    train(MLPConfig(n_samples=40, depth=1, width=4, epochs=1))  # import torch's compiler stack now
    outbox.put((0, "ready", None))
    while (job := _next_job(inbox, server)) is not None:
        set_language(job.language)
        stop.clear()
        want.set()  # the first epoch brings its weights: the page draws it at once
        try:
            split = data_for(job.cfg, download=False, root=Path(job.datasets))  # the page's split, rebuilt

            history = History(config={}, layers=[])

            def epoch_done(record: dict, job: Job = job, history: History = history) -> None:
                if want.is_set():  # the page is about to redraw: it needs the weights as they are now
                    want.clear()
                    record = {**record, "weights": _cpu(history.model)}
                outbox.put((job.id, "epoch", record))

            train(
                job.cfg,
                split=split,
                on_epoch=epoch_done,
                should_stop=stop.is_set,
                history=history,
                device=job.device,
            )
            weights = _cpu(history.model)
            summary = {k: getattr(history, k) for k in ("status", "message", "seconds", "layers", "derived")}
            outbox.put((job.id, "done", {**summary, "weights": weights}))
        except CannotTrain as err:
            outbox.put((job.id, "cannot", str(err)))
        except Exception:  # a bug: the page shows it, the worker lives on for the next job
            outbox.put((job.id, "crash", traceback.format_exc()))


@dataclass
class Worker:
    """One worker process with its queues and stop flag."""

    process: Any
    inbox: Any
    outbox: Any
    stop: Any  # set: end the job at its next epoch
    want: Any  # set: send the weights with the next epoch (a live redraw is due)
    busy_with: int = 0  # the job it is on (0: idle)


class WorkerPool:
    """`size` worker processes; `take()` lends an idle one to one training at a time."""

    def __init__(self, size: int, threads: int = 1) -> None:
        self.ctx = mp.get_context("spawn")  # a fresh interpreter: no server threads forked along
        self.threads = threads
        self.workers = [self._start() for _ in range(size)]
        self.idle: queue.Queue[Worker] = queue.Queue()
        for w in self.workers:
            self.idle.put(w)
        self._jobs = iter(range(1, 2**62))
        self._lock = threading.Lock()

    def _start(self) -> Worker:
        inbox, outbox, stop, want = self.ctx.Queue(), self.ctx.Queue(), self.ctx.Event(), self.ctx.Event()
        args = (inbox, outbox, stop, want, self.threads, os.getpid())  # os.getpid(): this server
        process = self.ctx.Process(target=_work, args=args, daemon=True)
        with _plain_main():
            process.start()
        return Worker(process, inbox, outbox, stop, want)

    def take(self, timeout: float | None = None) -> Worker:
        """An idle worker (restarted first if its process died)."""
        worker = self.idle.get(timeout=timeout)
        if not worker.process.is_alive():
            worker = self._replace(worker)
        return worker

    def give_back(self, worker: Worker) -> None:
        """Return a worker: a job it is still on is told to stop (it ends at its next epoch)."""
        if worker.busy_with:
            worker.stop.set()
        self.idle.put(worker)

    def _replace(self, dead: Worker) -> Worker:
        with self._lock:
            fresh = self._start()
            self.workers[self.workers.index(dead)] = fresh
            return fresh

    def submit(self, worker: Worker, cfg: Any, device: str, language: str, datasets: Path) -> int:
        """Start a job on a worker; returns its id (events of earlier jobs are skipped)."""
        with self._lock:
            job_id = next(self._jobs)
        worker.busy_with = job_id
        worker.inbox.put(Job(job_id, cfg, device, language, str(datasets)))
        return job_id

    def events(self, worker: Worker, job_id: int, poll: float = 0.25):
        """The job's events, as (kind, payload), ending with done / cannot / crash; yields
        ("wait", None) every `poll` seconds without news (the page stays interruptible)."""
        while True:
            try:
                got, kind, payload = worker.outbox.get(timeout=poll)
            except queue.Empty:
                if not worker.process.is_alive():
                    worker.busy_with = 0
                    yield (
                        "crash",
                        f"the training process ended unexpectedly (exit code {worker.process.exitcode})",
                    )
                    return
                yield "wait", None
                continue
            if got != job_id:
                continue  # the worker's "ready" (job 0), or the tail of a job stopped before it finished
            if kind in ("done", "cannot", "crash"):
                worker.busy_with = 0
                yield kind, payload
                return
            yield kind, payload

    def close(self) -> None:
        for w in self.workers:
            w.inbox.put(None)
        for w in self.workers:
            w.process.join(5)


class _Thread:
    """A worker of InlinePool: `_work` in a thread of this process, with the same queues."""

    def __init__(self, threads: int) -> None:
        self.inbox, self.outbox = queue.Queue(), queue.Queue()
        self.stop, self.want = threading.Event(), threading.Event()
        self.process = threading.Thread(
            target=_work, args=(self.inbox, self.outbox, self.stop, self.want, threads, None), daemon=True
        )
        self.process.start()


class InlinePool(WorkerPool):
    """The same pool with threads of this process instead of processes: for a small host (one
    core, little memory: a worker process holds its own torch, ~0.5 GB), where one training at a
    time is all there is room for anyway (LAB_TRAINING_PROCESSES=0)."""

    def _start(self) -> Worker:
        t = _Thread(self.threads)
        return Worker(t.process, t.inbox, t.outbox, t.stop, t.want)
