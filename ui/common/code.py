"""One "Show code" expander for every page: the core functions behind a chart, as source."""

from __future__ import annotations

import functools
import inspect
import threading

import streamlit as st

from core.base.i18n import _


def source_of(obj: object, title: str = "") -> str:
    """The source of a function or class; a built-in (C) function says what it is instead."""
    head = f"# {title}\n" if title else ""
    try:
        return head + _source(obj)
    except (TypeError, OSError):
        name = f"{getattr(obj, '__module__', None) or 'torch'}.{getattr(obj, '__name__', repr(obj))}"
        what = _("a built-in torch function")  # outside the f-string, where extraction sees it
        return f"{head}# {name}: {what}\n"


_PARSING = threading.Lock()


@functools.lru_cache(maxsize=1024)
def _source(obj: object) -> str:
    """inspect.getsource, once per object: it re-reads and parses the module each call (about
    0.5 ms), and the labs show a dozen functions on every rerun. The served code does not
    change while it runs (`make dev` reloads the modules, and new objects miss this cache).

    One at a time: for a class it parses the whole module with `ast.parse`, and on this Python
    (3.11.7) two threads building ASTs at once can fail with "SystemError: AST constructor
    recursion depth mismatch". That is what a visitor got on a fresh server when four visitors
    pressed Train together: the page stopped after the run had taken its slot. (Streamlit's own
    parse of a page, for "magic", is off in .streamlit/config.toml for the same reason.)"""
    with _PARSING:
        return inspect.getsource(obj)


def show_code(*objs: object, note: str = "", titles: tuple[str, ...] = ()) -> None:
    """A "Show code" expander holding the source of `objs` (optionally a caption and a comment
    title per object), under the chart they compute: one code block, the functions one after
    another, where a block each was an element each for the server to send on every rerun (the
    run views' three expanders resent five blocks at every Train)."""
    with st.expander(_("Show code")):
        if note:
            st.caption(note)
        sources = (source_of(obj, titles[i] if i < len(titles) else "") for i, obj in enumerate(objs))
        st.code("\n\n".join(s.rstrip("\n") for s in sources), language="python")
