"""Fair admission to training: at most `slots` runs train at once; the rest wait in line, in order.

One server trains for a whole class. Each run is CPU-bound, so running more at once than there
are cores makes every run slower without finishing any sooner; a visitor beyond the slots gets a
place in line, sees it move, can leave it, and starts as soon as a slot is free. Plain threads:
each Streamlit script run is a thread of the one server process, and so is each visitor here.
"""

from __future__ import annotations

import heapq
import itertools
import statistics
import threading
import time
from collections import deque


class Admission:
    """A first-come, first-served line in front of `slots` training slots (thread-safe)."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("at least one training slot")
        self.slots = slots
        self._cond = threading.Condition()
        self._running: dict[int, float] = {}  # ticket -> when it started (monotonic)
        self._waiting: list[int] = []  # tickets in arrival order
        self._recent: deque[float] = deque(maxlen=20)  # seconds the last runs took
        self._tickets = itertools.count(1)

    def join(self) -> int:
        """Take a place at the back of the line; returns the ticket."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
            self._admit()
            return ticket

    def _admit(self) -> None:
        """Move the front of the line into free slots (caller holds the lock)."""
        while self._waiting and len(self._running) < self.slots:
            self._running[self._waiting.pop(0)] = time.monotonic()
            self._cond.notify_all()

    def wait(self, ticket: int, timeout: float) -> bool:
        """Wait up to `timeout` s for this ticket's turn; True once it holds a slot."""
        with self._cond:
            return self._cond.wait_for(lambda: ticket in self._running, timeout)

    def running(self, ticket: int) -> bool:
        with self._cond:
            return ticket in self._running

    def position(self, ticket: int) -> int:
        """1 for the front of the line, 2 behind it, ...; 0 when running (or gone)."""
        with self._cond:
            return self._waiting.index(ticket) + 1 if ticket in self._waiting else 0

    def leave(self, ticket: int, seconds: float | None = None) -> None:
        """Leave the line or free the slot; a finished run's `seconds` feed the estimates."""
        with self._cond:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            if self._running.pop(ticket, None) is not None and seconds:
                self._recent.append(seconds)
            self._admit()
            self._cond.notify_all()

    def counts(self) -> tuple[int, int]:
        """(training now, waiting)."""
        with self._cond:
            return len(self._running), len(self._waiting)

    def typical(self) -> float | None:
        """The median length of the last finished runs, in seconds; None before any finished."""
        with self._cond:
            return statistics.median(self._recent) if self._recent else None

    def estimate(self, ticket: int) -> float | None:
        """Seconds until this ticket starts, if every run takes the typical time: each slot
        frees when its run's typical time is up (soon, if it is overdue), then the line ahead
        fills the slots in order. None until a run has finished (nothing to go on)."""
        typical = self.typical()
        with self._cond:
            if ticket not in self._waiting:
                return 0.0
            if typical is None:
                return None
            now = time.monotonic()
            free_at = [max(typical - (now - t0), 0.1 * typical) for t0 in self._running.values()]
            free_at += [0.0] * (self.slots - len(free_at))
            heapq.heapify(free_at)
            for waiting in self._waiting:
                start = heapq.heappop(free_at)
                if waiting == ticket:
                    return start
                heapq.heappush(free_at, start + typical)
        return None  # pragma: no cover - the ticket was in the line
