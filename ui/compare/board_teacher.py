"""The class board's teacher controls: hide runs, clear the board, start a new board, behind the
host's LAB_TEACHER_KEY. Every check of a typed key goes through the server's KeyGuard
(core/runs/key_guard.py): wrong keys are counted per visitor and for the whole server, and past
the bound the controls stay shut, the page saying for how long."""

from __future__ import annotations

import math

import streamlit as st

from core.base.i18n import _, ngettext
from core.runs.board import View
from core.runs.key_guard import KeyGuard, Verdict
from ui.common import lang, state, visitor
from ui.compare.board_views import FLASH, describe

KEY = "board.key"


@st.cache_resource
def guard() -> KeyGuard:
    """The teacher key's checks, one for every session of this server."""
    return KeyGuard()


def check(given: object) -> Verdict:
    """This visitor's typed key against the host's, counted."""
    return guard().check(visitor.owner(), given, state.hosting().teacher_key)


def refusal(verdict: Verdict) -> str:
    """Why a key was not taken, in words."""
    if not verdict.wait_s:
        return _("That is not the teacher key: nothing was changed.")
    minutes = max(1, math.ceil(verdict.wait_s / 60))
    if verdict.whole_server:
        text = ngettext(
            "Too many wrong teacher keys on this server: the teacher controls are shut for everyone, "
            "the right key too, for {m} more minute.",
            "Too many wrong teacher keys on this server: the teacher controls are shut for everyone, "
            "the right key too, for {m} more minutes.",
            minutes,
        )
    else:
        text = ngettext(
            "Too many wrong teacher keys from this browser: no key is checked here, the right one "
            "too, for {m} more minute.",
            "Too many wrong teacher keys from this browser: no key is checked here, the right one "
            "too, for {m} more minutes.",
            minutes,
        )
    return text.format(m=minutes)


def teacher(view: View) -> None:
    """Clear the board, hide runs, start a new board: only with the host's LAB_TEACHER_KEY."""
    key = state.hosting().teacher_key
    hours = state.hosting().limits.board_hours
    with st.expander(_("Teacher"), icon=":material/school:"):
        if not key:
            st.caption(
                ngettext(
                    "The host has set no teacher key (LAB_TEACHER_KEY), so this board has no teacher "
                    "controls: a run leaves it {h} hour after it was published, or when its owner "
                    "withdraws it.",
                    "The host has set no teacher key (LAB_TEACHER_KEY), so this board has no teacher "
                    "controls: a run leaves it {h} hours after it was published, or when its owner "
                    "withdraws it.",
                    hours,
                ).format(h=hours)
            )  # fmt: skip
            return
        given = st.text_input(_("Teacher key"), type="password", key=KEY)
        if not given:
            st.caption(
                _("With the key the host set, you can hide a run, clear the board or start a new one.")
            )
            return
        verdict = check(given)
        if not verdict.ok:
            st.warning(refusal(verdict))
            return
        entries = view.entries
        names = {e.id: f"{e.nickname} (#{e.run_id}, {describe(e)})" for e in entries}
        hidden = [e.id for e in entries if e.hidden]
        st.session_state.setdefault("board.hide", hidden)
        st.session_state["board.hide"] = [i for i in st.session_state["board.hide"] if i in names]
        st.multiselect(_("Hidden runs"), list(names), format_func=names.get, key="board.hide")
        c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
        c1.button(_("Apply"), key="board.hide_apply", on_click=_teacher, args=("hide",))
        c2.button(_("Clear the board"), key="board.clear", on_click=_teacher, args=("clear",))
        with c3:
            st.text_input(_("Title of a new board"), key="board.title", placeholder=_("e.g. Lesson 4: depth"))
        st.button(_("Start a new board"), key="board.new", on_click=_teacher, args=("new",), type="primary")


def _teacher(action: str) -> None:
    """A teacher's action, the key checked again as it happens."""
    lang.use_language()
    verdict = check(st.session_state.get(KEY))
    if not verdict.ok:
        st.session_state[FLASH] = ("warning", refusal(verdict))
        return
    b = state.board()
    if action == "hide":
        want = set(st.session_state.get("board.hide", []))
        for e in b.entries(hidden=True):
            if e.hidden != (e.id in want):
                b.hide(e.id, e.id in want)
        n = len(b.entries())
        text = ngettext("Done: the board shows {n} run.", "Done: the board shows {n} runs.", n)
        st.session_state[FLASH] = ("success", text.format(n=n))
    elif action == "clear":
        n = b.clear()
        text = ngettext("Cleared: {n} run taken off the board.", "Cleared: {n} runs taken off the board.", n)
        st.session_state[FLASH] = ("success", text.format(n=n))
    elif action == "new":
        b.new_board(st.session_state.get("board.title", ""))
        st.session_state[FLASH] = ("success", _("A new board: empty, ready for the next lesson."))
    st.session_state.pop("board.hide", None)
