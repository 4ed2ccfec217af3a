"""The server's training service: every visitor's run shares the worker processes, a run asked
for twice trains once, and a bounded number of runs share at once (the rest wait in line).

A page subscribes to a run. A config identical to one training now or finished lately (its public
fields, lab, device and the page's language) joins that run: the subscriber receives every epoch
from the first, live, and its own copy of each. Otherwise the run starts on the worker holding the
fewest runs, once it holds one of the `bound` shares (Admission: a first-come line beyond them).
A subscriber leaving (Stop, a closed tab) takes nothing from the others; the last one leaving
stops the run at once and frees its share. Finished runs are kept a while (RECENT, RECENT_S) so a
class told "open this link and press Train" trains it once.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.contract.config import to_params
from core.engine.labs import lab_of
from core.serving.admission import Admission
from core.serving.workers import InlinePool, Worker, WorkerPool

RECENT = 64  # finished runs kept for identical configs
RECENT_S = 1800.0  # ... for at most this long (seconds)
END = ("done", "cannot", "crash")
RATE_EPOCHS = 10  # the estimate of a run's end goes by its last this many epochs


def run_key(cfg: Any, device: str, language: str) -> tuple:
    """What makes two runs the same run: the lab, every public field, the device, the language
    of its messages. A run is a pure function of these on the CPU."""
    return (lab_of(cfg).name, tuple(sorted(to_params(cfg).items())), device, language)


@dataclass
class SharedRun:
    """One training and everyone receiving it."""

    key: tuple
    cfg: Any
    ticket: int
    worker: Worker | None = None
    job: int = 0
    epochs: list[dict] = field(default_factory=list)  # the records, without weights
    weights: dict | None = None  # the latest weights the worker sent
    end: tuple[str, Any] | None = None  # (kind, payload) once it ended
    subscribers: set[Subscription] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0
    asked: bool = False  # weights asked for and not come yet

    __hash__ = object.__hash__


class Subscription:
    """One page's view of a shared run: its events, in order, from the first epoch."""

    def __init__(self, service: TrainingService, run: SharedRun) -> None:
        self.service, self.run = service, run
        self.inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.joined = False  # True: this page joined a run someone else started (or finished)
        self.closed = False

    def events(self, poll: float = 0.25) -> Iterator[tuple[str, Any]]:
        """(kind, payload) as they come, one at a time (a caller may stop listening after any):
        ("epoch", record), then one of done / cannot / crash; ("wait", None) every `poll` seconds
        without news (the page stays interruptible)."""
        while True:
            try:
                kind, payload = self.inbox.get(timeout=poll)
            except queue.Empty:
                yield "wait", None
                continue
            yield kind, payload
            if kind in END:
                return

    def batches(self, poll: float = 0.25, gather: float = 0.0) -> Iterator[tuple[str, Any]]:
        """As events(), the epochs waiting taken together: ("epochs", [record, ...]) (a page joining
        a run receives every epoch so far at once, to file in one write), then the end. gather:
        after a batch, the next one holds what came within this many seconds (the first epoch,
        and the end, are not held back)."""
        last = None
        while True:
            try:
                items = [self.inbox.get(timeout=poll)]
            except queue.Empty:
                yield "wait", None
                continue
            if gather and last is not None and items[0][0] not in END:
                time.sleep(max(0.0, last + gather - time.monotonic()))
            last = time.monotonic()
            while True:
                try:
                    items.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            if epochs := [payload for kind, payload in items if kind == "epoch"]:
                yield "epochs", epochs
            if ends := [item for item in items if item[0] in END]:
                yield ends[0]
                return

    @property
    def source(self) -> tuple:
        """The training this page receives, one name for every page receiving it (this server
        process's job number: a recent run joined later keeps its number)."""
        return ("job", self.run.job)

    def ended(self) -> bool:
        """Whether the run has ended (its end is on its way to this page, if not here yet)."""
        return self.run.end is not None

    def want(self) -> None:
        """Ask for the weights with the next epoch (a live redraw is due)."""
        self.service._want(self.run)

    def close(self) -> None:
        """Leave the run (Stop, a closed tab, the end): the last one leaving stops it."""
        if not self.closed:
            self.closed = True
            self.service._leave(self)

    def estimate(self) -> float | None:
        """Seconds until the run finishes, going by how fast its last epochs came (wall time, so
        whatever shares the cores now, runs and pages, is counted as it is); None before two
        epochs or once it ended."""
        run = self.run
        epochs = run.epochs[-RATE_EPOCHS:]
        if run.end is not None or len(epochs) < 2:
            return None
        per_epoch = (epochs[-1]["seconds"] - epochs[0]["seconds"]) / (len(epochs) - 1)
        return max(0.0, (run.cfg.epochs - run.epochs[-1]["epoch"]) * per_epoch)


class TrainingService:
    """`processes` workers (threads where `inline`), at most `bound` runs sharing them at once."""

    def __init__(self, processes: int, bound: int, threads: int = 1, inline: bool = False) -> None:
        self.line = Admission(bound)
        self._lock = threading.Lock()
        self._active: dict[tuple, SharedRun] = {}
        self._by_job: dict[int, SharedRun] = {}
        self._recent: OrderedDict[tuple, SharedRun] = OrderedDict()
        self.trainings = 0  # runs actually trained (identical ones joined are not counted)
        self.pool = (InlinePool if inline else WorkerPool)(processes, threads, on_event=self._on_event)

    @property
    def processes(self) -> int:
        return len(self.pool.workers)

    def sharing(self) -> int:
        """Runs training now."""
        with self._lock:
            return len(self._active)

    def watchers(self) -> int:
        """Pages receiving a run that trains now (a run joined by three counts three)."""
        with self._lock:
            return sum(len(run.subscribers) for run in self._active.values())

    def join(self, cfg: Any, device: str, language: str) -> Subscription | None:
        """Join the identical run training now or finished lately; None when there is none."""
        with self._lock:
            return self._join(run_key(cfg, device, language))

    def start(self, cfg: Any, device: str, language: str, datasets: Path | str, ticket: int) -> Subscription:
        """Start the run with the share `ticket` holds (Admission), or join the identical run
        that started meanwhile (the ticket is given back then)."""
        key = run_key(cfg, device, language)
        with self._lock:
            sub = self._join(key)
            if sub is None:
                run = SharedRun(key, cfg, ticket)
                sub = Subscription(self, run)
                run.subscribers.add(sub)
                self._active[key] = run
                run.worker, run.job = self.pool.submit(cfg, device, language, datasets)
                self._by_job[run.job] = run
                self.trainings += 1
                started = (
                    f"lab: training {run.job} started ({key[0]}; {len(self._active)} sharing, runs per "
                    f"worker {self.pool.load()})\n"
                )
        if sub.joined:
            self.line.leave(ticket)
        else:
            sys.stderr.write(started)  # one write: lines of threads starting at once stay whole
            sys.stderr.flush()
        return sub

    def _join(self, key: tuple) -> Subscription | None:
        """(lock held) A subscription to the run under `key`, replayed from its first epoch."""
        self._forget_old()
        run = self._active.get(key) or self._recent.get(key)
        if run is None:
            return None
        sub = Subscription(self, run)
        sub.joined = True
        last = len(run.epochs) - 1
        for i, record in enumerate(run.epochs):
            weights = run.weights if i == last else None  # the latest the worker sent
            sub.inbox.put(("epoch", {**record, "weights": weights}))
        if run.end is not None:
            sub.inbox.put(_copy_end(run.end))
        else:
            run.subscribers.add(sub)
        return sub

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._recent and (
            len(self._recent) > RECENT or now - next(iter(self._recent.values())).ended > RECENT_S
        ):
            self._recent.popitem(last=False)

    def _on_event(self, job: int, kind: str, payload: Any) -> None:
        """A worker's event: kept with the run and passed to each subscriber, a copy each."""
        with self._lock:
            run = self._by_job.get(job)
            if run is None:
                return  # a run stopped meanwhile
            if kind == "epoch":
                weights = payload.pop("weights", None)
                if weights is not None:
                    run.weights, run.asked = weights, False
                run.epochs.append(payload)
                for sub in run.subscribers:
                    sub.inbox.put(("epoch", {**payload, "weights": weights}))
                return
            run.end, run.ended = (kind, payload), time.monotonic()
            for sub in run.subscribers:
                sub.inbox.put(_copy_end(run.end))
            run.subscribers.clear()
            self._retire(run)
            if kind == "done" and payload.get("status") != "stopped":
                self._recent[run.key] = run
                self._recent.move_to_end(run.key)
                self._forget_old()
        finished = kind == "done" and payload.get("status") == "finished"
        self.line.leave(run.ticket, payload.get("seconds") if finished else None)

    def _retire(self, run: SharedRun) -> None:
        """(lock held) The run no longer trains: out of the active runs."""
        if self._active.get(run.key) is run:
            del self._active[run.key]
        self._by_job.pop(run.job, None)

    def _want(self, run: SharedRun) -> None:
        with self._lock:
            if run.end is not None or run.asked or run.worker is None:
                return
            run.asked = True
        self.pool.want(run.worker, run.job)

    def _leave(self, sub: Subscription) -> None:
        run = sub.run
        with self._lock:
            run.subscribers.discard(sub)
            if run.subscribers or run.end is not None or self._by_job.get(run.job) is not run:
                return
            run.end, run.ended = ("done", {"status": "stopped"}), time.monotonic()
            self._retire(run)
        self.pool.stop(run.worker, run.job)  # nobody is watching: its share goes to the others
        self.line.leave(run.ticket)

    def close(self) -> None:
        self.pool.close()


def _copy_end(end: tuple[str, Any]) -> tuple[str, Any]:
    kind, payload = end
    return kind, (dict(payload) if isinstance(payload, dict) else payload)
