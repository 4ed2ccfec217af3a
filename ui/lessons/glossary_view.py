"""The Glossary page's table: the terms of each topic, filtered by what the learner typed."""

from __future__ import annotations

import streamlit as st

from core.base.i18n import _, language
from core.lessons.glossary import Term
from ui.common.nav import PAGES


def page_url(page: str) -> str:
    """The page's address in this lab, in the language on screen (`lang` travels with it)."""
    slug = "" if page == "dashboard.py" else page.rsplit("/", 1)[-1].removesuffix(".py").split("_", 1)[1]
    return f"/{slug}?lang={language()}"


def matches(term: Term, query: str) -> bool:
    """True when the typed text is in either name or in the line (case aside)."""
    q = query.strip().lower()
    return not q or any(q in text.lower() for text in (term.en, term.ko, _(term.line)))


def term_table(terms: tuple[Term, ...], query: str) -> None:
    """One table per topic: Korean, English, one line, and a link to the page that shows it."""
    names = {page: _(label) for page, label, _icon in PAGES}
    shown = [t for t in terms if matches(t, query)]
    if not shown:
        st.info(_("No term matches '{query}'.").format(query=query))
        return
    for topic in dict.fromkeys(t.topic for t in terms):
        rows = [t for t in shown if t.topic == topic]
        if not rows:
            continue
        st.subheader(_(topic))
        head = [_("Korean"), _("English"), _("What it is"), _("See it on")]
        lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
        lines += [
            f"| **{t.ko}** | {t.en} | {_(t.line)} | [{names[t.page]}]({page_url(t.page)}) |" for t in rows
        ]
        st.markdown("\n".join(lines))
