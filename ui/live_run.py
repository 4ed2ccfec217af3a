"""One live-run component for every lab: Train / Stop, a place in line, the run itself with its
record kept epoch by epoch, throttled live redraws, and the rerun that draws the finished run.

Training runs inline in the page's script (ARCHITECTURE: no threads of our own). Streamlit stops
a script at its next `st.*` call when the visitor clicks Stop, touches a widget or closes the
tab: that arrives here as an exception out of the epoch callback, and the `finally` blocks keep
the store true (the run is marked stopped, never left "running") and free the training slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import streamlit as st

from core.config import changed_fields, from_stored
from core.i18n import _
from core.labs import lab_of
from core.store import Recorder
from core.training import History, train
from ui import state
from ui.training_views import Slots, draw, status_line

WAIT_POLL_S = 0.5  # the line's position and estimate refresh this often while waiting


class Throttle:
    """When to redraw the live charts: after the first epoch, then once this thread has spent
    (1 - share) / share times the last redraw's CPU time on training since it, and `gap` seconds
    have passed. CPU time of this thread, not wall time: on a busy server every thread waits for
    the cores, and a wall-clock rule would charge that waiting to the drawing (or the training);
    this way drawing costs at most `share` of what this visitor's run costs the server."""

    def __init__(self, share: float = 0.2, gap: float = 0.5) -> None:
        self.factor, self.gap = (1 - share) / share, gap
        self.cpu_ready, self.wall_ready = 0.0, 0.0  # redraw allowed from these times on

    def due(self) -> bool:
        return time.thread_time() >= self.cpu_ready and time.perf_counter() >= self.wall_ready

    def drew(self, cpu_cost: float) -> None:
        """Record a redraw that cost `cpu_cost` CPU seconds and has just ended."""
        self.cpu_ready = time.thread_time() + self.factor * cpu_cost
        self.wall_ready = time.perf_counter() + self.gap


def buttons(disabled: bool, caption: str) -> bool:
    """Train and Stop, with a caption beside them; True when Train was pressed."""
    c_train, c_stop, c_info = st.columns([1, 1, 6], vertical_alignment="center")
    go = c_train.button(_("Train"), type="primary", disabled=disabled, width="stretch")
    c_stop.button(
        _("Stop"),
        width="stretch",
        help=_("Stops after the current epoch (or leaves the line); finished epochs stay."),
    )
    c_info.caption(caption)
    return go


def last_run(key: str) -> History | None:
    """This session's last run of a lab; one cut short by an interruption the `finally` below
    could not see (a server stopped mid-run) is shown as stopped."""
    history: History | None = st.session_state.get(key)
    if history is not None and history.status == "running":
        history.status = "stopped"
        history.message = _("Stopped after {n} epochs.").format(n=len(history.epochs))
    return history


def settings_changed(history: History, cfg: Any) -> None:
    """Say which settings changed since the run on screen was trained (its config read back
    through the codec)."""
    run_cfg, _notices = from_stored(type(cfg), history.config)
    if diff := changed_fields(run_cfg, cfg):
        st.info(
            _("Showing the last run. Settings changed since: {changes}. Press **Train** to run them.").format(
                changes=", ".join(f"`{k}` {a} → {b}" for k, (a, b) in diff.items())
            )
        )


def wait_in_line(slot) -> int:
    """Take a place in line for a training slot and wait for it, showing the position and an
    estimate; returns the ticket (the caller leaves with it). Stop leaves the line."""
    line = state.admission()
    ticket = line.join()
    admitted = False
    try:
        while not line.wait(ticket, WAIT_POLL_S):
            busy, waiting = line.counts()
            eta = line.estimate(ticket)
            when = (
                _("about {s:.0f} s, going by how long the last runs took").format(s=max(eta, 1))
                if eta is not None
                else _("as soon as one of the running trainings ends")
            )
            slot.info(
                _(
                    "This server trains {k} runs at once for its visitors, and they are all busy. You are "
                    "number **{pos}** in line ({waiting} waiting); your run starts by itself in {when}. "
                    "**Stop** leaves the line."
                ).format(k=line.slots, pos=line.position(ticket), waiting=waiting, when=when),
                icon=":material/hourglass_top:",
            )
        admitted = True
    finally:
        if not admitted:  # Stop, another click or a closed tab while waiting: leave the line
            line.leave(ticket)
    slot.empty()
    return ticket


def run(
    cfg: Any,
    key: str,
    slots_factory: Callable[[], Slots],
    *,
    split: Any,
    device: str = "cpu",
    redraw: Callable[[Slots, History], None] = draw,
) -> None:
    """Train cfg live: wait for a slot, record every epoch, redraw when due, then rerun the page
    so the finished run is drawn by the same code as every later rerun. Never returns."""
    lab = lab_of(cfg)
    store, _warning = state.run_store()
    line_slot = st.empty()
    ticket = wait_in_line(line_slot)
    history = History(config={}, layers=[], lab=lab.name)
    try:
        recorder = Recorder(store, lab.name, asdict(cfg))  # every finished epoch is committed
        history.run_id = recorder.run_id
        st.session_state[key] = history
        progress = st.progress(0.0, text=_("Starting..."))
        slots = slots_factory()
        throttle = Throttle()

        def on_epoch(record: dict) -> None:
            recorder.on_epoch(record)
            n = record["epoch"]
            progress.progress(n / cfg.epochs, text=_("Epoch {n} / {total}").format(n=n, total=cfg.epochs))
            if throttle.due() and n < cfg.epochs:  # the last epoch is drawn by the rerun
                start = time.thread_time()
                redraw(slots, history)
                throttle.drew(time.thread_time() - start)

        train(cfg, split=split, on_epoch=on_epoch, history=history, device=device)
        recorder.finish(history)
    finally:
        if history.status == "running":  # interrupted: Stop, a widget touched, the tab closed
            history.status = "stopped"
            history.message = _("Stopped after {n} epochs.").format(n=len(history.epochs))
            if history.run_id is not None:
                store.mark_stopped(history.run_id, history.message)
        state.admission().leave(ticket, history.seconds if history.status == "finished" else None)
    st.rerun()


def show(history: History, slots: Slots) -> None:
    """Draw a kept run (finished, stopped or diverged) into the lab's views."""
    status_line(slots.status, history)
    draw(slots, history)
