"""Glossary: every term of the course in Korean and English, with one line and where to see it."""

import streamlit as st

from core.base.i18n import _
from core.lessons.glossary import TERMS
from ui.common import state
from ui.lessons.glossary_view import term_table

state.setup()
st.set_page_config(page_title=_("Glossary"), page_icon="📖", layout="wide")

st.title(_("Glossary"))
st.markdown(
    _(
        "Every term of the course in Korean and in English, side by side, as a Korean textbook and an "
        "English one write it, each with one line and a link to the page of this lab that shows it. "
        "The names are the same in both languages of the lab; the lines follow the language chosen."
    )
)
query = st.text_input(
    _("Find a term"), key="gl.find", placeholder=_("in Korean or English, e.g. 기울기 or stride")
)
term_table(TERMS, query)
