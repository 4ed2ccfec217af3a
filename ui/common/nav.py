"""The sidebar's list of pages, in the visit's language.

Streamlit's own list names pages after their files ("dashboard", "MLP Lab") and cannot be
translated; .streamlit/config.toml hides it (client.showSidebarNavigation = false) and every page
draws this one instead, below the language picker, in the course's order.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from core.base.i18n import N_, _

PAGES = (  # (page file, label, icon)
    ("dashboard.py", N_("Home"), ":material/home:"),
    ("pages/0_History.py", N_("History"), ":material/history_edu:"),
    ("pages/1_Neuron.py", N_("Neuron"), ":material/psychology:"),
    ("pages/2_Activations.py", N_("Activations"), ":material/show_chart:"),
    ("pages/3_MLP_Lab.py", N_("MLP lab"), ":material/hub:"),
    ("pages/4_Image_Basics.py", N_("Image basics"), ":material/image:"),
    ("pages/5_Tensors_Graphs.py", N_("Tensors & graphs"), ":material/account_tree:"),
    ("pages/6_Convolution.py", N_("Convolution"), ":material/grid_on:"),
    ("pages/7_CNN_Lab.py", N_("CNN lab"), ":material/filter_center_focus:"),
    ("pages/8_Compare.py", N_("Compare runs"), ":material/compare_arrows:"),
    ("pages/10_Class_Board.py", N_("Class board"), ":material/groups:"),
    ("pages/9_Glossary.py", N_("Glossary"), ":material/menu_book:"),
)


def sidebar_nav() -> None:
    """Every page, linked from the sidebar with its translated name. A page run on its own, with
    no app around it (AppTest.from_file on one page), has no other pages to link to: no list."""
    with st.sidebar:
        for page, label, icon in PAGES:
            try:
                st.page_link(page, label=_(label), icon=icon)
            except StreamlitPageNotFoundError:
                return
