"""The class board's sections: publish a run (from a lab or from the board page), your runs on the
board with Withdraw, the board itself (one chart of everyone's measure grouped by a knob, the
groups' medians, every run with a link into its lab, overlaid curves of a group; refreshed while
the class publishes). The teacher's controls are in ui/compare/board_teacher.py.

Nicknames are visitors' text: they reach the page only as data (dataframe cells, select options,
st.text) or HTML-escaped in figures (board_charts.plain), never inside markdown.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import pandas as pd
import streamlit as st

from core.base.i18n import N_, _, language, ngettext
from core.contract.config import from_stored, to_params
from core.engine.labs import LABS
from core.runs.board import (
    NICK_MAX,
    PUBLISHABLE,
    BoardRefused,
    Entry,
    View,
)
from core.runs.board_groups import groups, knobs, summary
from ui.common import lang, state
from ui.common.plot import chart
from ui.compare import board_charts, compare_charts

FLASH, NICK, DRAWN = "board.flash", "board.nickname", "board.drawn"
PAGE = "pages/10_Class_Board.py"
POLL_S = 5  # how often an open board looks for new runs while "Update live" is on
VERDICTS = {  # gradient_finding's verdicts as the board's table says them
    "vanishing": N_("vanishing"),
    "healthy": N_("healthy"),
    "exploding": N_("exploding"),
    "growing": N_("growing"),
}


def flash() -> None:
    """The outcome of the last publish / withdraw / teacher action, once."""
    if (msg := st.session_state.pop(FLASH, None)) is not None:
        kind, text = msg
        (st.success if kind == "success" else st.warning if kind == "warning" else st.error)(text)


def _publish(run_id: int, nick_key: str) -> None:
    lang.use_language()  # a callback runs before the page's first line: its words in the page's language
    typed = st.session_state.get(nick_key, "")
    try:
        state.board().publish(run_id, state.owner(), typed)
    except BoardRefused as err:
        st.session_state[FLASH] = ("error", _("Not published: {why}").format(why=err))
        return
    st.session_state[NICK] = typed
    hours = state.hosting().limits.board_hours
    st.session_state[FLASH] = (
        "success",
        ngettext(
            "Published to the class board: everyone sees this run there, read-only, for {h} hour. "
            "Your other runs stay private.",
            "Published to the class board: everyone sees this run there, read-only, for {h} hours. "
            "Your other runs stay private.",
            hours,
        ).format(h=hours),
    )


def _withdraw(entry_id: int) -> None:
    lang.use_language()
    if state.board().withdraw(entry_id, state.owner()):
        st.session_state[FLASH] = ("success", _("Withdrawn: the run is off the class board for everyone."))


def _nickname_input(key: str) -> None:
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(NICK, "")
    st.text_input(
        _("Nickname"),
        key=key,
        max_chars=NICK_MAX,
        placeholder=_("the name the class sees"),
        help=_("Up to {n} characters, any language; shown to the class exactly as typed.").format(n=NICK_MAX),
    )


def publish_box(history: Any, fresh: bool = False) -> None:
    """Under a lab's finished run: publish it to the class board, or see it there and withdraw it.
    fresh: the run ended in this script run, so it is on no board yet (no query: a class's 30
    pages end one training together)."""
    if history is None or history.run_id is None or history.status not in PUBLISHABLE:
        return
    mine = None if fresh else state.board().published(history.run_id, state.owner())  # (entry id, nickname)
    with st.container(border=True):
        st.markdown(_("**The class board**: show this run to the class, beside everyone else's."))
        flash()
        if mine:
            c1, c2, c3 = st.columns([2, 3, 1], vertical_alignment="center")
            c1.caption(_("On the board as"))
            c2.text(mine[1])
            c3.button(_("Withdraw"), key="board.withdraw.lab", on_click=_withdraw, args=(mine[0],))
        else:
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            with c1:
                _nickname_input("board.nick.lab")
            c2.button(
                _("Publish"), key="board.publish.lab", type="primary", on_click=_publish,
                args=(history.run_id, "board.nick.lab"), width="stretch",
            )  # fmt: skip
        st.page_link(PAGE, label=_("Open the class board"), icon=":material/groups:")


def read() -> View:
    """The board as this page run shows it, read once (Board.view) and passed to each section."""
    return state.board().view(state.owner())


def publish_form(store: Any, view: View) -> None:
    """On the board page: publish any finished run of yours; your runs on the board, each with Withdraw."""
    runs = [r for r in store.list(limit=2000) if r["status"] in PUBLISHABLE and r["n_epochs"]]
    entries = view.mine
    if entries:
        st.markdown(_("**Your runs on the board**"))
        for e in entries:
            c1, c2, c3 = st.columns([3, 4, 1], vertical_alignment="center")
            c1.text(e.nickname)
            c2.caption(
                f"#{e.run_id} · {e.lab.upper()} · {describe(e)}"
                + (" · " + _("hidden by the teacher") if e.hidden else "")
            )
            c3.button(_("Withdraw"), key=f"board.withdraw.{e.id}", on_click=_withdraw, args=(e.id,))
    if not runs:
        st.info(
            _("You have no finished run yet: train one in the MLP or CNN lab, then publish it here or there.")
        )
        return
    names = {r["id"]: f"#{r['id']} {r['lab'].upper()} · {_describe_config(r['config'])}" for r in runs}
    c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
    pick = c1.selectbox(_("Your run"), list(names), format_func=names.get, key="board.pick")
    with c2:
        _nickname_input("board.nick.page")
    c3.button(
        _("Publish"), key="board.publish.page", type="primary", on_click=_publish,
        args=(pick, "board.nick.page"), width="stretch",
    )  # fmt: skip


def _describe_config(cfg: dict) -> str:
    keys = ("activation", "depth", "width", "init", "dropout", "epochs")
    return ", ".join(f"{k} {cfg[k]}" for k in keys if k in cfg)


def describe(e: Entry) -> str:
    """A published run's settings in a few words (activation relu, depth 3, ...)."""
    return _describe_config(e.config)


def _link(e: Entry) -> str:
    lab = LABS.get(e.lab)
    if lab is None:
        return ""
    cfg, _notices = from_stored(lab.config, e.config)
    return state.share_link(lab.slug, to_params(cfg))


def board(view: View, live: bool) -> None:
    """The board (a fragment: its own widgets rerun only it, on the view the page read); while
    `live`, a watcher looks every POLL_S seconds whether the board changed (one small query) and
    only then redraws the page. An open board costs the server little while the class is quiet
    (bench figures in the README)."""
    st.fragment(_board)(view)
    if live:
        st.fragment(_watch, run_every=POLL_S)()


def _watch() -> None:
    if state.board().version() != st.session_state.get(DRAWN):
        st.rerun()  # the whole page: the publish form's list and "your runs on the board" too


def _board(view: View) -> None:
    lang.use_language()  # a rerun of this fragment alone does not pass the page's first line
    st.session_state[DRAWN] = view.version
    entries = view.shown
    title = view.board["title"]
    if title:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(_("This board:"), width="content")
            st.text(title, width="content")
    if not entries:
        st.info(_("Nobody has published a run yet. Train one in a lab and press Publish under it."))
        return
    labs = sorted({e.lab for e in entries})
    if len(labs) > 1:
        lab = st.segmented_control(_("Lab"), labs, format_func=str.upper, key="board.lab", default=labs[0])
        entries = [e for e in entries if e.lab == (lab or labs[0])]
    options = knobs(entries) or ["activation"]
    if st.session_state.get("board.knob") not in options:
        st.session_state["board.knob"] = options[0]
    c1, c2, c3 = st.columns([1, 1, 2])
    knob = c1.selectbox(_("Group by the knob that differs"), options, key="board.knob")
    values = list(groups(entries, knob))
    st.session_state["board.only"] = [v for v in st.session_state.get("board.only", []) if v in values]
    only = c2.multiselect(
        _("Only these values"), values, key="board.only", placeholder=_("all"),
        help=_("Leave empty to show every run on the board."),
    )  # fmt: skip
    entries = [e for e in entries if not only or str(e.config.get(knob)) in only]
    measure = c3.radio(
        _("Measure"),
        board_charts.MEASURES,
        horizontal=True,
        key="board.measure",
        format_func={
            "ratio": _("first/last gradient ratio (vanishing gradients)"),
            "gap": _("train/validation gap (overfitting)"),
        }.get,
    )
    view = (st.session_state[DRAWN], int(time.time() // 60), tuple(e.id for e in entries), knob, language())
    chart(st, _board_figure(*view, measure), key="board.chart")
    rows = summary(entries, knob)
    st.caption(_caption(rows, knob, measure, len(entries)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    knob: r["value"],
                    _("runs"): r["n"],
                    _("median ratio"): r["median_ratio"],
                    _("vanishing"): r["vanishing"],
                    _("median gap"): r["median_gap"],
                }
                for r in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            _("median ratio"): st.column_config.NumberColumn(format="%.2e"),
            _("median gap"): st.column_config.NumberColumn(format="%.3f"),
        },
    )
    st.markdown(_("**Every run on the board** (open one in its lab: the link holds its whole setup)"))
    links = _links(*view[:3], state.share_link("", {}))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("nickname"): e.nickname,
                    knob: str(e.config.get(knob)),
                    _("ratio"): e.ratio,
                    _("gradients"): _(VERDICTS[e.verdict]) if e.verdict in VERDICTS else (e.verdict or ""),
                    _("gap"): e.gap,
                    "val_acc": e.val_acc,
                    _("epochs"): e.n_epochs,
                    _("open"): links.get(e.id, ""),
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            _("ratio"): st.column_config.NumberColumn(format="%.2e"),
            _("gap"): st.column_config.NumberColumn(format="%.3f"),
            "val_acc": st.column_config.NumberColumn(format="%.3f"),
            _("open"): st.column_config.LinkColumn(display_text=_("open in its lab")),
        },
    )
    values = [r["value"] for r in rows]
    group = st.selectbox(
        _("Overlay the curves of one group"), values, key="board.group", format_func=lambda v: f"{knob} = {v}"
    )
    chart(st, _curves_figure(*view, group), key="board.curves")
    st.caption(_("Dashed: training; solid: validation. Up to 20 runs of the group, named by nickname."))


# What every viewer of one board sees alike is built once per server, not per viewer and poll: the
# figures and links of the entries shown (by id), at a board version, a minute (the age bound
# moves) and a language. Entries are read back by id, so a viewer's own filters (lab, values) and
# none of their own runs enter the key.
@functools.lru_cache(maxsize=32)
def _shown(version: tuple, minute: int, ids: tuple[int, ...]) -> list[Entry]:
    by_id = {e.id: e for e in state.board().entries()}
    return [by_id[i] for i in ids if i in by_id]


@functools.lru_cache(maxsize=32)
def _board_figure(version: tuple, minute: int, ids: tuple, knob: str, lang: str, measure: str) -> dict:
    return board_charts.board_figure(_shown(version, minute, ids), knob, measure).to_dict()


@functools.lru_cache(maxsize=32)
def _curves_figure(version: tuple, minute: int, ids: tuple, knob: str, lang: str, group: str) -> dict:
    members = [e for e in _shown(version, minute, ids) if str(e.config.get(knob)) == group][:20]
    runs = [
        {"id": e.run_id, "name": "", "label": board_charts.plain(e.nickname), "epochs": e.epochs}
        for e in state.board().curves(members)
    ]
    return compare_charts.curves_figure(runs, "loss", 0.0).to_dict()


@functools.lru_cache(maxsize=32)
def _links(version: tuple, minute: int, ids: tuple, base: str) -> dict[int, str]:
    return {e.id: _link(e) for e in _shown(version, minute, ids)}


def _caption(rows: list[dict], knob: str, measure: str, n: int) -> str:
    head = ngettext("{n} run on the board.", "{n} runs on the board.", n).format(n=n)
    if measure == "ratio":
        parts = [
            _("{knob} = {value}: {vanishing} of {n} vanished (ratio below 1e-3), median {median:.2g}").format(
                knob=knob, value=r["value"], vanishing=r["vanishing"], n=r["n"], median=r["median_ratio"]
            )
            for r in rows
            if r["median_ratio"] is not None
        ]
        why = _(
            "Each point is one run: its first layer's gradient over its last layer's, per weight, after "
            "the last epoch; the bar is the group's median."
        )
    else:
        parts = [
            _("{knob} = {value}: median gap {median:.3f} over {n} runs").format(
                knob=knob, value=r["value"], median=r["median_gap"], n=r["n"]
            )
            for r in rows
            if r["median_gap"] is not None
        ]
        why = _(
            "Each point is one run: validation loss minus training loss after the last epoch (a wide gap "
            "is overfitting); the bar is the group's median."
        )
    return " ".join([head, why, "; ".join(parts) + "." if parts else ""]).strip()
