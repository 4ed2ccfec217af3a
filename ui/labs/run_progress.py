"""The lines a live run keeps up to date under Train: the progress bar and the "runs share this
server" line, each refreshed at most every so often (each update is a message to the page)."""

from __future__ import annotations

import time
from typing import Any

from core.base.i18n import _, ngettext
from core.engine.training import History


class Every:
    """At most once every `gap` seconds (each update of a line on the page is a message to it)."""

    def __init__(self, gap: float) -> None:
        self.gap, self.next = gap, 0.0

    def due(self, force: bool = False) -> bool:
        now = time.monotonic()
        if now < self.next and not force:
            return False
        self.next = now + self.gap
        return True


class Progress:
    """The progress bar, updated at most every 0.25 s (one update per epoch was a sixth of a joined
    visitor's messages), and whenever `force`d."""

    def __init__(self, bar: Any, cfg: Any) -> None:
        self.bar, self.cfg, self.every = bar, cfg, Every(0.25)

    def show(self, history: History, force: bool = False) -> None:
        if self.every.due(force):
            self.bar.progress(len(history.epochs) / self.cfg.epochs, text=progress_text(history, self.cfg))


class Sharing:
    """The line under the progress bar: how many runs share the server, when this one finishes,
    and whether it joined an identical run; refreshed at most once a second."""

    def __init__(self, slot: Any, sub: Any, service: Any) -> None:
        self.slot, self.sub, self.service, self.every = slot, sub, service, Every(1.0)

    def show(self) -> None:
        if not self.every.due():
            return
        n, k = self.service.sharing(), self.service.processes
        text = ngettext(
            "{n} run shares this server's {k} training processes",
            "{n} runs share this server's {k} training processes",
            n,
        ).format(n=n, k=k)
        eta = self.sub.estimate()
        if eta is not None:
            text += "; " + _("this one finishes in about {s:.0f} s").format(s=max(eta, 1))
        if self.sub.joined:
            text += ". " + _(
                "Another visitor started this same run (the same settings and seed): it trains once, "
                "and you receive every epoch of it from the first, kept in your own runs."
            )
        self.slot.caption(":material/group: " + text + ("" if text.endswith(".") else "."))


def progress_text(history: History, cfg: Any) -> str:
    """'Epoch 12 / 50', or 'Starting...' before the first."""
    if not history.epochs:
        return _("Starting...")
    return _("Epoch {n} / {total}").format(n=history.epochs[-1]["epoch"], total=cfg.epochs)
