"""Public mode's visitor: this browser, known by a cookie, so that a reload, a typed URL or a share
link opened in the same browser finds the same runs.

The cookie holds a random id of one exact shape (`new_id`, checked by `valid`); the store keeps
only its hash as the runs' owner (`owner_of`), so the database never holds the bearer secret. The
id is kept in the session too: the session works before the cookie comes back with the next page
load. Streamlit reads cookies from the websocket's HTTP request (`st.context.cookies`, fixed for
the session) but cannot set one from Python: a `st.components.v2` component (a script in the page
itself, no iframe) writes it with `document.cookie`, once per page load and id, so every visit
moves the expiry forward (`Max-Age` = the host's LAB_VISITOR_DAYS). A share link never holds it:
links are built from the config and the language only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

import streamlit as st

from core.base.i18n import _, ngettext

COOKIE = "dl_lab_visitor"  # the cookie's name
SESSION_KEY = "lab.visitor"  # this session's visitor id (the cookie's value)
FORGOTTEN = "lab.visitor.forgotten"  # runs deleted by the last Forget me, to say so once
SURE = "lab.visitor.sure"  # Forget me's confirmation box
ID_BYTES = 24  # secrets.token_urlsafe(24): 192 random bits, 32 URL-safe characters
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # exactly what new_id() makes, nothing else
_HASH_PREFIX = b"dl-lab visitor\x00"  # the owner is a hash of this id, not of anything else

# Writes the cookie once per page load and id (window keeps what it wrote; a page switch keeps the
# window). Secure on https; SameSite=Lax and Path=/ always.
_JS = """
export default function ({ data }) {
  if (!data || !data.value || window.__dlLabVisitor === data.value) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=${data.max_age}; SameSite=Lax${secure}`;
  window.__dlLabVisitor = data.value;
}
"""
_writer = st.components.v2.component("dl_lab.visitor_cookie", js=_JS)


def new_id() -> str:
    """A fresh visitor id: 32 URL-safe characters (192 random bits)."""
    return secrets.token_urlsafe(ID_BYTES)


def valid(value: Any) -> bool:
    """Whether a cookie value has exactly the shape new_id() makes (anything else is no cookie)."""
    return isinstance(value, str) and _SHAPE.fullmatch(value) is not None


def owner_of(visitor_id: str) -> str:
    """The owner the store keeps for a visitor id: 32 hex digits of its SHA-256, never the id."""
    if not valid(visitor_id):
        raise ValueError("not a visitor id")
    return hashlib.sha256(_HASH_PREFIX + visitor_id.encode("ascii")).hexdigest()[:32]


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)  # from the websocket's request; empty in AppTest
    except Exception:  # no script-run context (a bare import, a thread of its own)
        return None


def visitor_id() -> str:
    """This session's visitor id: the one it already holds, else the browser's cookie when it has
    the right shape, else a new one (the cookie is written by `keep_cookie`)."""
    held = st.session_state.get(SESSION_KEY)
    if valid(held):
        return held
    cookie = _cookie()
    vid = cookie if valid(cookie) else new_id()
    st.session_state[SESSION_KEY] = vid
    return vid


def owner() -> str:
    """The owner id of this visitor's runs in the store (a hash of the cookie's value)."""
    return owner_of(visitor_id())


def keep_cookie(days: int) -> None:
    """Write (or refresh) this visitor's cookie in the browser: an element of no height."""
    data = {"name": COOKIE, "value": visitor_id(), "max_age": max(1, int(days)) * 24 * 3600}
    _writer(key="lab.visitor.cookie", data=data, width="stretch", height=0)


def _forget(store: Any) -> None:
    """Delete this visitor's runs, drop what the session holds of them, start a new visitor."""
    ids = [r["id"] for r in store.list(limit=1_000_000)]
    store.delete(ids)
    gone = set(ids)
    for key in list(st.session_state.keys()):  # a lab's last run on screen is one of them
        if getattr(st.session_state[key], "run_id", None) in gone:
            del st.session_state[key]
    st.session_state[SESSION_KEY] = new_id()  # keep_cookie replaces the cookie with it
    st.session_state[FORGOTTEN] = len(ids)
    st.session_state[SURE] = False


def forgotten_notice() -> None:
    """Once, after Forget me: what it deleted."""
    if (n := st.session_state.pop(FORGOTTEN, None)) is not None:
        st.success(
            ngettext(
                "Forgotten: {n} run deleted. This browser is a new visitor now.",
                "Forgotten: {n} runs deleted. This browser is a new visitor now.",
                n,
            ).format(n=n),
            icon=":material/check:",
        )


def forget_control(store: Any) -> None:
    """Forget me: delete this visitor's runs and the browser's id, after a confirmation."""
    with st.popover(_("Forget me"), icon=":material/person_remove:"):
        n = store.count()
        st.markdown(
            _(
                "This deletes your runs on this server ({n} now) and forgets this browser: its "
                "anonymous id is replaced by a new one. It cannot be undone: to keep a copy, export "
                "your runs on the Compare page first."
            ).format(n=n)
        )
        sure = st.checkbox(_("Yes, delete my runs"), key=SURE)
        st.button(
            _("Delete my runs and forget me"),
            key="lab.visitor.forget",
            type="primary",
            icon=":material/delete_forever:",
            disabled=not sure,
            on_click=_forget,
            args=(store,),
        )
