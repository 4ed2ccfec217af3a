"""The History page's widgets: walk the timeline one step at a time, show a step, draw the timeline."""

from __future__ import annotations

import streamlit as st

from core.base.i18n import _
from core.lessons.history import BY_KEY, EVENTS, Event

URL_KEY, WIDGET, LAST = "step", "history.step", "history.last"  # /History?step=1986
KEYS = [e.key for e in EVENTS]


def _move(by: int) -> None:
    """Previous / Next: one step along the timeline, stopping at either end."""
    i = KEYS.index(st.session_state[WIDGET])
    st.session_state[WIDGET] = KEYS[min(max(i + by, 0), len(KEYS) - 1)]


def _from_url() -> None:
    """A link naming a step opens it; no step in the link resumes this session's last one; a
    step that is not on the timeline is reported, and the first is shown."""
    url = st.query_params.get(URL_KEY)
    if url is not None and url == st.session_state.get(LAST) and WIDGET in st.session_state:
        return  # our own URL: the widget already holds it
    if url in BY_KEY:
        st.session_state[WIDGET] = url
    elif url is None:
        st.session_state[WIDGET] = st.session_state.get(WIDGET, st.session_state.get(LAST, KEYS[0]))
    else:
        st.warning(_("This link's step '{step}' is not on the timeline: showing the first.").format(step=url))
        st.session_state[WIDGET] = KEYS[0]


def walker() -> tuple[int, Event]:
    """A slider over the steps with Previous / Next buttons; the step is kept in the URL."""
    _from_url()
    at = KEYS.index(st.session_state[WIDGET])
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.button(_("◀ Previous"), on_click=_move, args=(-1,), key="history.prev", disabled=at == 0)
        key = st.select_slider(
            _("Step through the timeline"),
            options=KEYS,
            format_func=lambda k: _(BY_KEY[k].when),
            key=WIDGET,
            width="stretch",
        )
        st.button(_("Next ▶"), on_click=_move, args=(1,), key="history.next", disabled=at == len(KEYS) - 1)
    st.session_state[LAST] = key
    if st.query_params.get(URL_KEY) != key:
        st.query_params[URL_KEY] = key
    return KEYS.index(key), BY_KEY[key]


def show(event: Event, index: int) -> None:
    """One step: its date and title, what happened, why it mattered, the source, where to try it."""
    st.subheader(f"{_(event.when)}: {_(event.title)}")
    st.caption(_("Step {i} of {n}").format(i=index + 1, n=len(EVENTS)))
    st.markdown(_(event.what))
    st.markdown(_("**Why it mattered.** {why}").format(why=_(event.why)))
    st.caption(_("Source: {source}").format(source=_(event.source)))
    if not event.links:
        st.info(
            _(
                "No page of this lab trains this: it is where the ideas above lead, beyond this course. "
                "Its building blocks are the ones you can try in the earlier steps."
            ),
            icon=":material/explore:",
        )
    for link in event.links:
        st.page_link(link.page, label=_(link.label), icon=":material/play_arrow:", query_params=link.params())
