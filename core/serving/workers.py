"""Training in worker processes: one server, many trainings truly at once, each advancing in turn.

A Streamlit server runs every visitor's script as a thread of one process. Training a small net
is thousands of tiny torch calls, each releasing and retaking Python's GIL, so two trainings in
two threads hand the GIL back and forth at every call: measured here (bench/load.py, 8 visitors,
2 cores), two threads cost 1.8x the CPU of one per run, four threads 3.2x. A worker process per
core has its own GIL: the trainings run in parallel, and the page's thread only receives each
finished epoch, files it, and draws.

Each worker holds every run it was given and advances them in turn, a slice at a time (an epoch,
or SLICE_S of CPU time of a long epoch: core.engine.training.train_slices), so a class pressing
Train together all see their first epoch within a round of slices instead of waiting for whole
runs to finish. A run's result is bit for bit what it is alone: its generators are its own.
Each epoch goes back as (job, "epoch", record) and the end as "done" with the trained
weights, so the page can rebuild the model for its own views. ("stop", job) drops a run at
once; ("want", job) asks for the weights with the next epoch (a live redraw is due).

Workers are forked from a fork server that has imported torch and the trainer already
(core/serving/preload.py), so they share those pages with each other instead of each holding
its own copy.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import traceback
import types
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SLICE_S = 0.02  # CPU seconds a run trains before the next run's turn (and always at an epoch's end)
PRELOAD = ["core.serving.preload"]  # imported once by the fork server (torch, the trainer)

_MAIN_LOCK = threading.Lock()


@contextmanager
def _plain_main():
    """A started child re-imports the parent's __main__ module to find its functions. Under
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


class PageModel:
    """A page's copy of a model that trains in a worker (History.lazy_model): it keeps the latest
    weights received and builds the module, and loads them into it, only when a view asks
    (History.net()). The pages of a class receive one training and draw the figures one of them
    built (ui/common/plot.shared): most never need a model of their own (building one was about a
    sixth of the Python time of a class's run areas, py-spy). Used by one page's script at a time."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build, self._model, self._weights = build, None, None
        self.builds = 0  # modules built: at most one

    def receive(self, weights: dict) -> None:
        """Weights from the worker, newer than any before (loaded when the model is next asked for)."""
        self._weights = weights

    def __call__(self) -> Any:
        if self._model is None:
            self._model, self.builds = self._build(), self.builds + 1
        if self._weights is not None:
            load_weights(self._model, self._weights)
            self._weights = None
        return self._model


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


def _work(inbox: Any, outbox: Any, threads: int, server: int | None) -> None:
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
                record = {**record, "weights": _cpu(history.model)}
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
            end(run, "done", {**summary, "weights": _cpu(history.model)})
            continue
        except CannotTrain as err:
            end(run, "cannot", str(err))
            continue
        except Exception:  # a bug: the page shows it, the worker lives on for the other runs
            end(run, "crash", traceback.format_exc())
            continue
        turns.append(job_id)


@dataclass
class Worker:
    """One worker process with its queues, and the jobs it holds now."""

    process: Any
    inbox: Any
    outbox: Any
    jobs: set[int] = field(default_factory=set)
    reader: Any = None


Events = Callable[[int, str, Any], None]  # (job, kind, payload)


class WorkerPool:
    """`size` worker processes sharing every run between them: `submit` gives a run to the worker
    holding the fewest; every event of every job goes to `on_event(job, kind, payload)`,
    called from one reader thread per worker (kinds: epoch, done, cannot, crash)."""

    def __init__(self, size: int, threads: int = 1, on_event: Events | None = None) -> None:
        self.ctx = self._context()
        self.threads = threads
        self.on_event: Events = on_event or (lambda *_event: None)
        self._jobs = iter(range(1, 2**62))
        self._lock = threading.Lock()
        self._closed = False
        self.workers = [self._start() for _ in range(size)]

    @staticmethod
    def _context() -> Any:
        """A fork server that imported torch and the trainer once: the workers forked from it
        share those pages (a fresh interpreter each, no server threads forked along). Spawn
        where there is no fork server."""
        if "forkserver" not in mp.get_all_start_methods():  # pragma: no cover - not on Linux
            return mp.get_context("spawn")
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx

    def _start(self) -> Worker:
        inbox, outbox = self.ctx.Queue(), self.ctx.Queue()
        process = self.ctx.Process(target=_work, args=(inbox, outbox, self.threads, os.getpid()), daemon=True)
        with _plain_main():
            process.start()
        worker = Worker(process, inbox, outbox)
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
        worker.reader.start()
        return worker

    def _read(self, worker: Worker, poll: float = 0.5) -> None:
        """Pass on every event of `worker`; when its process dies, end each of its jobs with a
        crash and start a fresh worker in its place."""
        while not self._closed:
            try:
                job, kind, payload = worker.outbox.get(timeout=poll)
            except queue.Empty:
                if worker.process.is_alive() or self._closed:
                    continue
                code = getattr(worker.process, "exitcode", None)
                with self._lock:
                    lost, worker.jobs = set(worker.jobs), set()
                    self.workers[self.workers.index(worker)] = self._start()
                why = f"the training process ended unexpectedly (exit code {code})"
                for job in lost:
                    self.on_event(job, "crash", why)
                return
            except (EOFError, OSError):  # pragma: no cover - the pool is closing
                return
            if kind in ("done", "cannot", "crash"):
                with self._lock:
                    worker.jobs.discard(job)
            if job:
                self.on_event(job, kind, payload)

    def submit(self, cfg: Any, device: str, language: str, datasets: Path | str) -> tuple[Worker, int]:
        """Give a run to the worker holding the fewest; returns (that worker, the job's id)."""
        with self._lock:
            job_id = next(self._jobs)
            worker = min(self.workers, key=lambda w: len(w.jobs))
            worker.jobs.add(job_id)
        worker.inbox.put(("start", Job(job_id, cfg, device, language, str(datasets))))
        return worker, job_id

    def stop(self, worker: Worker, job_id: int) -> None:
        """Drop a job at once (Stop, a closed tab): its share goes to the others."""
        with self._lock:
            worker.jobs.discard(job_id)
        worker.inbox.put(("stop", job_id))

    def want(self, worker: Worker, job_id: int) -> None:
        """Ask for the job's weights with its next epoch."""
        worker.inbox.put(("want", job_id))

    def load(self) -> list[int]:
        """The number of runs each worker holds now."""
        with self._lock:
            return [len(w.jobs) for w in self.workers]

    def close(self) -> None:
        self._closed = True
        for w in self.workers:
            w.inbox.put(None)
        for w in self.workers:
            w.process.join(5)


class _Thread:
    """A worker of InlinePool: `_work` in a thread of this process, with the same queues."""

    def __init__(self, threads: int) -> None:
        self.inbox, self.outbox = queue.Queue(), queue.Queue()
        self.process = threading.Thread(
            target=_work, args=(self.inbox, self.outbox, threads, None), daemon=True
        )
        self.process.start()


class InlinePool(WorkerPool):
    """The same pool with threads of this process instead of processes: for a small host (one
    core, little memory), where there is no room for a process of its own
    (LAB_TRAINING_PROCESSES=0)."""

    @staticmethod
    def _context() -> Any:
        return None

    def _start(self) -> Worker:
        t = _Thread(self.threads)
        worker = Worker(t.process, t.inbox, t.outbox)
        worker.reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
        worker.reader.start()
        return worker
