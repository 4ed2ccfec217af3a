"""One live-run component for every lab: Train / Stop, a place in line, the run itself with its
record kept epoch by epoch, throttled live redraws, and the finished run drawn in place.

The run area is a fragment (`area`): Train, Stop and the widgets under the run rerun it alone,
not the lesson, the controls and the sidebar above it. The page's script drives the run; the
training itself runs in a worker process, shared with the other visitors' runs a slice at a time,
and a run identical to one already training is joined instead of trained again
(core/serving/service.py). Each finished epoch comes back to the page, which files it, shows the
progress and redraws when due. Streamlit stops a script at its next `st.*` call when the visitor
touches a widget above the area or closes the tab; a click inside the area (Stop) is seen by
`stop_if_clicked` (ui/labs/run_area.py) at the next epoch or wait. Either arrives here as an
exception, and the `finally` blocks keep the store true (the run is marked stopped, never left
"running"), tell the worker to stop at its next epoch, and free the training slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import streamlit as st

from core.base.i18n import _, language
from core.base.paths import datasets_dir
from core.contract.config import changed_fields, from_stored
from core.engine.labs import lab_of
from core.engine.training import History
from core.runs.recorder import Recorder
from core.serving.weights import PageModel
from ui.common import state
from ui.labs.run_area import area, stop_if_clicked  # noqa: F401 (area: the labs call live_run.area)
from ui.labs.run_progress import Progress, Sharing
from ui.labs.training_views import Slots, draw

WAIT_POLL_S = 0.5  # the line's position and estimate refresh this often while waiting
SETTLED = ".settled"  # session key suffix: an Event set once a run's thread has filed its end
# Epochs that reach the page within this many seconds of its last batch are taken together: a class
# of 30 on one training woke 30 page threads for each of its 50 epochs, each to file one epoch in a
# transaction of its own and check its lines (the first epoch and the end are never held back).
# As often as the progress bar may move (run_progress.Progress): a page woken sooner had nothing
# new to show.
GATHER_S = 0.25
SETTLE_WAIT_S = 5.0  # a stopped run's thread reaches its next st call within an epoch or 0.25 s
# Runs that ended as their training did (not a page's own Stop, whose weights are those it last
# received): their figures are the same on every page that received the training (plot.shared).
SHAREABLE = ("finished", "diverged")
# What a redraw costs the server for each CPU second its page's thread spends drawing: the event
# loop then serialises and sends every message the redraw made, and the kernel carries them (a
# class through the real server, py-spy: the event loop held the GIL about a third as long as the
# page threads; perf: 26% of the server's CPU was in the kernel). Counting the page's thread
# alone let a class's live charts take about half again their share.
SENDING = 1.5


class Throttle:
    """When to redraw the live charts: after the first epoch, then no sooner than `gap` seconds,
    or (1 - share) / share times the last redraw's cost, after it. The cost is the CPU time this
    thread spent drawing (times SENDING, for the server's sending of it), not the wall time: on a
    busy server every thread waits for the cores, and counting that waiting as drawing would
    starve the charts of the runs that most need to show progress; this way drawing takes at most
    `share` of a core per visitor. With `cores`
    and the number of pages watching a run now (`watchers`), the share is split among them: the
    live charts of a class take at most `share` of the server's cores together, so drawing does
    not slow the runs everyone waits for."""

    def __init__(self, share: float = 0.2, gap: float = 0.5) -> None:
        self.share, self.gap = share, gap
        self.ready = 0.0  # redraw allowed from this time on (perf_counter)

    def due(self) -> bool:
        return time.perf_counter() >= self.ready

    def drew(self, cpu_cost: float, cores: int = 1, watchers: int = 1) -> None:
        """Record a redraw whose page thread spent `cpu_cost` CPU seconds and has just ended."""
        share = min(self.share, self.share * cores / max(watchers, 1))
        self.ready = time.perf_counter() + max(self.gap, (1 - share) / share * cpu_cost * SENDING)


def buttons(disabled: bool, caption: str) -> bool:
    """Train and Stop, with a caption beside them; True when Train was pressed. One row (a
    horizontal container: one block for the page, where three columns were four)."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    go = row.button(_("Train"), type="primary", disabled=disabled, width=110)
    row.button(
        _("Stop"),
        width=110,
        help=_("Stops after the current epoch (or leaves the line); finished epochs stay."),
    )
    row.caption(caption, width="stretch")
    return go


def last_run(key: str) -> History | None:
    """This session's last run of a lab. A click during a run starts this rerun at once (fast
    reruns) while the interrupted run's thread is still on its way out: wait for it to end the
    run (its `finally` files the stop), so the page shows what the store keeps. One cut short
    where no `finally` ran (a server stopped mid-run) is shown as stopped."""
    history: History | None = st.session_state.get(key)
    if history is not None and history.status == "running":
        settled = st.session_state.get(key + SETTLED)
        if settled is not None:
            settled.wait(SETTLE_WAIT_S)
    if history is not None and history.status == "running":
        history.status, history.source = "stopped", None
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
            stop_if_clicked()
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
) -> tuple[History, Slots]:
    """Train cfg live: join the identical run if the server is training it (or trained it lately),
    else wait for a share of the training and start it; file and show every epoch as it arrives,
    redraw when due. Returns the ended run and the views it was drawn into live, for the page to
    draw it there (`show`) as every later rerun does: one script run per Train, not a second one
    to draw the result (that rerun was a third of what a visitor's Train cost the server)."""
    lab = lab_of(cfg)
    store, _warning = state.run_store()
    service = state.training()
    sub = service.join(cfg, device, language())
    if sub is None:
        ticket = wait_in_line(st.empty())
        try:
            sub = service.start(cfg, device, language(), datasets_dir(), ticket)
        finally:
            if sub is None:  # interrupted before the run held the share: give it back
                service.line.leave(ticket)
    history = History(config=asdict(cfg), layers=[], lab=lab.name)
    history.lazy_model = PageModel(lambda: lab.build(cfg, split))  # its views' copy, built when one needs it
    history.source = sub.source  # kept once the run has ended as its training did (settle)
    settled, completed = threading.Event(), False
    try:
        recorder = Recorder(store, lab.name, asdict(cfg))  # every finished epoch is committed
        history.run_id = recorder.run_id
        st.session_state[key], st.session_state[key + SETTLED] = history, settled
        progress = st.progress(0.0, text=_("Starting..."))
        note = Sharing(st.empty(), sub, service)
        slots = slots_factory()
        throttle, asked, bar = Throttle(), False, Progress(progress, cfg)
        for kind, payload in sub.batches(gather=GATHER_S):
            stop_if_clicked()
            if kind == "wait":  # no epoch yet: an st call keeps Stop and a closed tab effective
                bar.show(history, force=True)
                note.show()
            elif kind == "epochs":  # usually one; every epoch so far when this page joined a run
                drawable = take_epochs(history, payload, recorder)
                bar.show(history)
                note.show()
                if sub.ended() or history.epochs[-1]["epoch"] >= cfg.epochs or ends_soon(sub, throttle):
                    continue  # the finished run is drawn next, in place: no live redraw before it
                if drawable and (asked or throttle.due()):  # the epoch came with its weights, to draw
                    start = time.thread_time()
                    redraw(slots, as_drawn(history))
                    throttle.drew(time.thread_time() - start, service.processes, service.watchers())
                    asked = False
                elif throttle.due() and not asked:
                    sub.want()
                    asked = True
            else:
                settle(history, kind, payload, sub.source)
        recorder.finish(history)
        completed = True
    finally:
        if not completed:  # interrupted: Stop, a widget touched, the tab closed
            history.source = None  # its weights are the last this page received, its own
            if history.status == "running":
                history.status = "stopped"
                history.message = _("Stopped after {n} epochs.").format(n=len(history.epochs))
            if history.run_id is not None:  # (a no-op where the store has it ended already)
                store.mark_stopped(history.run_id, history.message)
        sub.close()  # the last one watching a run stops it: its share goes to the others
        settled.set()
    progress.empty()
    note.slot.empty()
    return history, slots


def take_epochs(history: History, records: list[dict], recorder: Recorder) -> bool:
    """Epochs from the worker: the latest weights that came with them kept for the page's model
    (loaded when a view needs it), the records kept and filed (in one write); True when weights
    came along (a redraw can show them)."""
    weights = None
    for record in records:
        if (w := record.pop("weights", None)) is not None:
            weights, epoch = w, record["epoch"]
        history.epochs.append(record)
    if weights is not None:
        history.lazy_model.receive(weights)
        history.weights_epoch = epoch
    history.layers = list(records[-1]["grad_norm"])
    history.seconds = records[-1]["seconds"]
    recorder.on_epochs(records)
    return weights is not None


def ends_soon(sub: Any, throttle: Throttle) -> bool:
    """Whether the run will have ended before a live redraw's next turn (going by how fast its
    last epochs came): the finished run, drawn in place then, would replace that redraw at once.
    (A class's run of the default config lasts about a second: most pages' second live redraw
    was of this kind.)"""
    eta = sub.estimate()
    return eta is not None and eta < throttle.gap


def as_drawn(history: History) -> History:
    """A live run as a redraw shows it: up to the epoch whose weights the page's model holds, so
    every view (the curves and the decision plane alike) is of one epoch, and every page of one
    training that redraws at that epoch draws the same figures, built once (plot.shared)."""
    n = history.weights_epoch
    if n is None or n >= len(history.epochs) or history.epochs[n - 1]["epoch"] != n:
        return history
    return replace(history, epochs=history.epochs[:n])


def settle(history: History, kind: str, payload: Any, source: tuple | None = None) -> None:
    """The job's end: finished, stopped or diverged (its weights kept); or it could not train,
    or it failed (a bug), said on the page."""
    history.weights_epoch = None
    if kind == "done":
        history.lazy_model.receive(payload.pop("weights"))
        for name, value in payload.items():
            setattr(history, name, value)
    elif kind == "cannot":
        history.status, history.message = "stopped", payload
        st.error(payload)
    else:
        history.status = "stopped"
        history.message = _("The training failed: this is a bug in the lab, not in your settings.")
        st.error(history.message)
        st.code(payload, language="text")
    # Its weights and epochs are the training's own, alike on every page, only when it ended as
    # the training did.
    history.source = source if kind == "done" and history.status in SHAREABLE else None


def show(history: History, slots: Slots) -> None:
    """Draw a kept run (finished, stopped or diverged) into the lab's views, its status first."""
    draw(slots, history)
