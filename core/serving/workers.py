"""Training in worker processes: one server, many trainings truly at once, each advancing in turn.

A Streamlit server runs every visitor's script as a thread of one process. Training a small net
is thousands of tiny torch calls, each releasing and retaking Python's GIL, so two trainings in
two threads hand the GIL back and forth at every call: measured here (bench/load.py, 8 visitors,
2 cores), two threads cost 1.8x the CPU of one per run, four threads 3.2x. A worker process per
core has its own GIL: the trainings run in parallel, and the page's thread only receives each
finished epoch, files it, and draws.

Each worker holds every run it was given and advances them in turn, a slice at a time
(core/serving/worker_loop.py: what runs inside a worker); the weights it sends back reach the
page's own copy of the model (core/serving/weights.py).

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
import types
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.serving.worker_loop import Job, work

PRELOAD = ["core.serving.preload"]  # imported once by the fork server (torch, the trainer)

_MAIN_LOCK = threading.Lock()


@contextmanager
def _plain_main():
    """A started child re-imports the parent's __main__ module to find its functions. Under
    Streamlit (and AppTest) __main__ is the page script being run: the child would run the page.
    The worker's target lives in core/serving/worker_loop.py, so the child needs no __main__ at
    all: hide it while the process starts."""
    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = saved


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
        process = self.ctx.Process(target=work, args=(inbox, outbox, self.threads, os.getpid()), daemon=True)
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
    """A worker of InlinePool: `work` in a thread of this process, with the same queues."""

    def __init__(self, threads: int) -> None:
        self.inbox, self.outbox = queue.Queue(), queue.Queue()
        self.process = threading.Thread(
            target=work, args=(self.inbox, self.outbox, threads, None), daemon=True
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
