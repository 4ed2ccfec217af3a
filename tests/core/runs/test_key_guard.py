"""The teacher key's guard: wrong keys counted per visitor and for the server, in a window of time
(a clock the test moves), the right key refused too while shut, a repeated wrong text one guess."""

from __future__ import annotations

import threading

from core.runs.key_guard import KeyGuard

KEY = "correct horse"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard(per_visitor: int = 3, per_server: int = 10, window_s: float = 60.0) -> tuple[KeyGuard, Clock]:
    clock = Clock()
    return KeyGuard(per_visitor, per_server, window_s, clock), clock


def test_the_right_key_opens_and_wrong_ones_are_counted_until_the_visitor_is_shut_out():
    g, clock = guard()
    assert g.check("ann", KEY, KEY).ok
    for i in range(3):
        v = g.check("ann", f"guess {i}", KEY)
        assert not v.ok and v.wait_s == 0  # a plain wrong key: "not the teacher key"
        clock.now += 1
    shut = g.check("ann", KEY, KEY)  # the right key too, now
    assert not shut.ok and not shut.whole_server
    assert shut.wait_s == 60 - 3  # until the first of the three guesses (3 s ago) leaves the window
    assert g.check("bob", KEY, KEY).ok  # another visitor is not shut out
    clock.now += 57.0  # the first guess leaves the window: one more guess, no more
    assert g.check("ann", KEY, KEY).ok
    assert not g.check("ann", "guess 3", KEY).ok
    assert g.check("ann", KEY, KEY).wait_s > 0


def test_the_same_wrong_text_again_is_one_guess():
    g, _clock = guard()
    for _ in range(20):  # the page reruns with what is typed at every click
        assert g.check("ann", "sesame", KEY).wait_s == 0
    assert g.check("ann", KEY, KEY).ok


def test_many_visitors_guessing_shut_the_whole_server_for_the_window():
    g, clock = guard(per_visitor=3, per_server=10)
    for i in range(10):  # ten browsers, one guess each (a visitor starting over, each time new)
        g.check(f"visitor {i}", f"guess {i}", KEY)
        clock.now += 2
    shut = g.check("teacher", KEY, KEY)
    assert not shut.ok and shut.whole_server and shut.wait_s == 60 - 20
    clock.now += 40.0
    assert g.check("teacher", KEY, KEY).ok


def test_nothing_typed_or_no_key_set_is_never_a_guess_and_never_opens():
    g, _clock = guard(per_visitor=1)
    assert not g.check("ann", "", KEY).ok and not g.check("ann", None, KEY).ok
    assert not g.check("ann", "anything", "").ok
    assert g.check("ann", KEY, KEY).ok  # none of those counted


def test_guesses_from_many_threads_are_all_counted():
    g, _clock = guard(per_visitor=1000, per_server=1000)
    threads = [
        threading.Thread(target=lambda t=t: [g.check(f"v{t}", f"g{t}.{i}", KEY) for i in range(50)])
        for t in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(g._wrong) == 400
