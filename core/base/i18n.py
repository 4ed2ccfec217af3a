"""Translations: gettext catalogs, one per language, and the language of the current script run.

English text stays in the code, wrapped in `_()` (translated where it is used) or `N_()` (only
marked, for module-level constants that are translated later with `_()`). Each language has one
catalog, locales/<lang>/LC_MESSAGES/messages.po, the only file a translator edits; it is compiled
in memory (Babel) the first time a process needs it, and again whenever the file changes, so no
compiled .mo file is kept anywhere and none can go stale. A missing catalog or message, or a fuzzy
(unreviewed) one, falls back to English. Each Streamlit script run is one thread, so the language
is kept per thread: the page sets it once at the top of every run (ui.common.state.setup, through
ui.common.lang.use_language) and everything below, core included, follows. The CLI never sets it: English.
"""

from __future__ import annotations

import gettext
import io
import threading
from functools import lru_cache
from pathlib import Path

from babel import Locale

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
DEFAULT = "en"  # the code's own language: no catalog
_local = threading.local()


def po_path(lang: str) -> Path:
    """The catalog file of a language."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _own_name(code: str) -> str:
    """A language's name in itself ('ko' -> '한국어'), from Babel's CLDR data."""
    return Locale.parse(code).get_display_name(code) or code


# code -> the language's own name: every catalog in locales/ (adding a language is adding its
# catalog), then English. This order is the picker's.
LANGUAGES = {
    **{d.name: _own_name(d.name) for d in sorted(LOCALE_DIR.glob("*")) if po_path(d.name).is_file()},
    DEFAULT: _own_name(DEFAULT),
}


@lru_cache(maxsize=8)
def _compiled(lang: str, stamp: int) -> gettext.NullTranslations:
    """The .po of `lang` as it was at `stamp` (its mtime), compiled to a gettext catalog in memory."""
    path = po_path(lang)
    if not stamp:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo  # only a translated run pays for the import
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        messages = read_po(fh, locale=lang, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, messages, use_fuzzy=False)  # a fuzzy entry is a guess nobody reviewed: English
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def catalog(lang: str) -> gettext.NullTranslations:
    """The catalog of a language (English: none, the text is the code's own)."""
    path = po_path(lang)
    return _compiled(lang, path.stat().st_mtime_ns if lang != DEFAULT and path.exists() else 0)


def set_language(lang: str) -> str:
    """Use `lang` for this thread's text from now on (unknown codes give English); returns it."""
    _local.lang = lang if lang in LANGUAGES else DEFAULT
    _local.catalog = catalog(_local.lang)
    return _local.lang


def language() -> str:
    """The language of this thread (English until set)."""
    return getattr(_local, "lang", DEFAULT)


def _current() -> gettext.NullTranslations:
    found = getattr(_local, "catalog", None)
    return found if found is not None else catalog(language())


def _(message: str) -> str:
    """`message` in the current language."""
    return _current().gettext(message) if message else message  # gettext("") is the catalog's header


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for n, in the current language."""
    return _current().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for translation without translating it now (translate at use with _())."""
    return message
