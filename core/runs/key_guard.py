"""Wrong teacher keys, counted: a visitor who tries keys one after another is stopped, and so is a
class trying them from many browsers.

The class board's teacher controls (core/runs/board.py) open with the host's LAB_TEACHER_KEY. A
key typed into a page can be guessed by typing again, or by a script speaking the page's websocket
at thousands a second; so each guess counts. A visitor (their owner id in public mode) has
`per_visitor` wrong keys within `window_s`; then their checks are refused, the right key too, until
the oldest of those guesses leaves the window. The server as a whole has `per_server` (a visitor
who starts over in a new browser, many times, is a new visitor each time); past it every check is
refused until the window clears, the teacher's too: the controls stay shut rather than open to a
guess, and the page says for how long. The same wrong text again (the page reruns with what is
typed, at every click) is one guess, not one a rerun. Only a digest of a wrong key is kept, in
memory, for the window.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from core.runs.board import teacher_ok

PER_VISITOR = 5  # wrong keys a visitor has in the window
PER_SERVER = 50  # wrong keys the whole server has in the window
WINDOW_S = 600.0


@dataclass(frozen=True)
class Verdict:
    """A check's answer: the key opened the controls (`ok`), or it did not; `wait_s` > 0: no key
    was compared, the checks are shut for that long (`whole_server`: for everyone)."""

    ok: bool
    wait_s: float = 0.0
    whole_server: bool = False


class KeyGuard:
    """The teacher key's checks for one server (every session's), thread-safe."""

    def __init__(
        self,
        per_visitor: int = PER_VISITOR,
        per_server: int = PER_SERVER,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_visitor, self.per_server, self.window_s, self.clock = (
            per_visitor,
            per_server,
            window_s,
            clock,
        )
        self._wrong: deque[tuple[float, str, bytes]] = deque()  # (when, visitor, digest), oldest first
        self._lock = threading.Lock()

    def check(self, visitor: str, given: object, key: str) -> Verdict:
        """Whether `given` is the teacher key `key`, asked by `visitor`; a wrong one is counted."""
        if not key or not isinstance(given, str) or not given:
            return Verdict(False)  # nothing typed, or no key set: nothing to guess
        digest = hashlib.sha256(given.encode("utf-8")).digest()
        with self._lock:
            now = self.clock()
            while self._wrong and self._wrong[0][0] <= now - self.window_s:
                self._wrong.popleft()
            mine = [when for when, who, _d in self._wrong if who == visitor]
            if len(self._wrong) >= self.per_server:
                return Verdict(False, self._wait(self._wrong[-self.per_server][0], now), whole_server=True)
            if len(mine) >= self.per_visitor:
                return Verdict(False, self._wait(mine[-self.per_visitor], now))
            if teacher_ok(given, key):
                return Verdict(True)
            if not any(who == visitor and d == digest for _when, who, d in self._wrong):
                self._wrong.append((now, visitor, digest))
            return Verdict(False)

    def _wait(self, oldest: float, now: float) -> float:
        """Seconds until the guess at `oldest` leaves the window (at least one)."""
        return max(1.0, oldest + self.window_s - now)
