"""Admission with real threads: at most `slots` hold a slot, the rest wait in arrival order, a
visitor can leave the line, and the estimate follows the runs that finished."""

from __future__ import annotations

import threading
import time

import pytest

from core.serving.admission import Admission


def test_k_plus_two_threads_k_run_two_wait_then_run_in_order():
    k = 2
    line = Admission(k)
    started: list[int] = []
    release = [threading.Event() for _ in range(k + 2)]

    def visitor(i: int) -> None:
        ticket = line.join()
        while not line.wait(ticket, 0.05):
            pass
        started.append(i)
        release[i].wait(5)
        line.leave(ticket, seconds=0.2)

    def settle(n: int) -> None:
        deadline = time.monotonic() + 5
        while len(started) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # and nobody else starts

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(k + 2)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # arrive in order 0, 1, 2, 3
    settle(2)
    assert started == [0, 1] and line.counts() == (2, 2)  # two run, two wait
    release[1].set()  # one slot frees: the first in line, visitor 2, takes it
    settle(3)
    assert started == [0, 1, 2] and line.counts() == (2, 1)
    release[0].set()
    settle(4)
    assert started == [0, 1, 2, 3]
    for e in release:
        e.set()
    for t in threads:
        t.join(5)
    assert line.counts() == (0, 0) and line.typical() == 0.2


def test_positions_leaving_the_line_and_the_estimate():
    line = Admission(1)
    running = line.join()
    assert line.running(running) and line.position(running) == 0
    a, b, c = line.join(), line.join(), line.join()
    assert [line.position(t) for t in (a, b, c)] == [1, 2, 3]
    assert line.estimate(a) is None  # nothing has finished yet: no honest number to give
    line.leave(b)  # Stop while waiting: out of the line, the others move up
    assert [line.position(t) for t in (a, c)] == [1, 2] and line.position(b) == 0
    line.leave(running, seconds=10.0)  # one run took 10 s: the typical run
    assert line.running(a) and line.typical() == 10.0
    # c waits for a's slot: a started just now, so about 10 s
    assert line.estimate(c) == pytest.approx(10.0, abs=0.5)
    d = line.join()
    assert line.estimate(d) == pytest.approx(20.0, abs=0.5)  # a's run, then c's
    assert line.estimate(a) == 0.0


def test_an_overdue_run_still_counts_as_ending_soon():
    line = Admission(1)
    first = line.join()
    line.leave(first, seconds=0.01)
    slow, waiting = line.join(), line.join()
    time.sleep(0.05)  # the running one is past the typical time
    assert 0 < line.estimate(waiting) <= 0.01 and line.running(slow)


def test_at_least_one_slot():
    with pytest.raises(ValueError):
        Admission(0)
