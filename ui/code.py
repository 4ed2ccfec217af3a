"""One "Show code" expander for every page: the core functions behind a chart, as source."""

from __future__ import annotations

import inspect

import streamlit as st

from core.i18n import _


def source_of(obj: object, title: str = "") -> str:
    """The source of a function or class; a built-in (C) function says what it is instead."""
    head = f"# {title}\n" if title else ""
    try:
        return head + inspect.getsource(obj)
    except (TypeError, OSError):
        name = f"{getattr(obj, '__module__', None) or 'torch'}.{getattr(obj, '__name__', repr(obj))}"
        what = _("a built-in torch function")  # outside the f-string, where extraction sees it
        return f"{head}# {name}: {what}\n"


def show_code(*objs: object, note: str = "", titles: tuple[str, ...] = ()) -> None:
    """A "Show code" expander holding the source of `objs` (optionally a caption and a comment
    title per object), under the chart they compute."""
    with st.expander(_("Show code")):
        if note:
            st.caption(note)
        for i, obj in enumerate(objs):
            st.code(source_of(obj, titles[i] if i < len(titles) else ""), language="python")
