"""Translations: gettext catalogs, one per language, and the language of the current script run.

English text stays in the code, wrapped in `_()` (translated where it is used) or `N_()` (only
marked, for module-level constants that are translated later with `_()`). Catalogs live in
locales/<lang>/LC_MESSAGES/messages.po; a missing catalog or message falls back to English.
Each Streamlit script run is one thread, so the language is kept per thread: the page sets it
once at the top of every run (ui.state.setup) and everything below, core included, follows.
"""

from __future__ import annotations

import gettext
import threading
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
LANGUAGES = {"en": "English", "ko": "한국어"}  # code -> the language's own name
DEFAULT = "en"
_local = threading.local()


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English: none, the text is the code's own)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def set_language(lang: str) -> str:
    """Use `lang` for this thread's text from now on (unknown codes give English); returns it."""
    _local.lang = lang if lang in LANGUAGES else DEFAULT
    return _local.lang


def language() -> str:
    """The language of this thread (English until set)."""
    return getattr(_local, "lang", DEFAULT)


def _(message: str) -> str:
    """`message` in the current language."""
    return catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for n, in the current language."""
    return catalog(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for translation without translating it now (translate at use with _())."""
    return message
