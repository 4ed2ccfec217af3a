"""The language of a visit: chosen once per script run, before any text, and kept in the URL.

Order of precedence: the `lang` URL parameter (a share link), then this session's earlier
choice (the user moved to another page), then the browser's language when the lab speaks it,
else English. The choice is kept in st.session_state and written back to the URL, beside whatever
the page puts there (ui.common.state keeps `lang` when it rewrites the config), so a link copied from
the address bar opens in the same language. Text itself comes from core.base.i18n.
"""

from __future__ import annotations

import streamlit as st

from core.base.i18n import DEFAULT, LANGUAGES, language, set_language

URL_KEY = "lang"  # ?lang=ko: a URL key of the page itself, never a config field
CHOICE = "lang.choice"  # this session's language (kept across pages)
PICKER = "lang.picker"  # the picker widget's key


def browser_language(locale: str | None) -> str:
    """The lab's language for a browser locale ('ko-KR' -> 'ko'); English when the lab lacks it."""
    primary = (locale or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT


def _browser_locale() -> str | None:
    try:
        return st.context.locale  # navigator.language; None outside a browser (AppTest)
    except Exception:  # no script-run context at all
        return None


def use_language() -> str:
    """Decide and set this run's language (call before the first `_()` of a run); returns it."""
    url = st.query_params.get(URL_KEY)
    if url in LANGUAGES:
        lang = url
    elif st.session_state.get(CHOICE) in LANGUAGES:
        lang = st.session_state[CHOICE]
    else:
        lang = browser_language(_browser_locale())
    st.session_state[CHOICE] = set_language(lang)
    if url != lang:  # absent, or not a language the lab has: the URL says what is shown
        st.query_params[URL_KEY] = lang
    return lang


def _picked() -> None:
    """The picker changed: this is the session's language now, and the URL's."""
    lang = st.session_state[PICKER]
    if lang in LANGUAGES:
        st.session_state[CHOICE] = lang
        st.query_params[URL_KEY] = lang


def language_picker() -> str:
    """한국어 / English at the top of the sidebar, showing this run's language; returns it."""
    st.session_state[PICKER] = language()  # follows the URL and the other pages, not a stale widget
    st.sidebar.radio(
        ":material/translate: 언어 · Language",  # in both languages on purpose: findable whatever is shown
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=PICKER,
        horizontal=True,
        on_change=_picked,
    )
    return language()


def setup_language() -> str:
    """The language of this run, set, and its picker drawn: the first thing every page does."""
    use_language()
    return language_picker()
