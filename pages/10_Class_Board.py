"""Class board: every visitor's published run on one chart, grouped by the knob that differs."""

import streamlit as st

from core.base.i18n import _
from ui.common import state
from ui.compare import board_teacher, board_views

state.setup()
st.set_page_config(page_title=_("Class board"), page_icon="🧠", layout="wide")

st.title(_("Class board"))
st.markdown(
    _(
        "The whole class's experiment on one chart. Each of you trains a run (say sigmoid or ReLU "
        "at depth 10) and **publishes** it here under a nickname; the board puts every run's "
        "measure side by side, grouped by the knob that differs: the first/last gradient ratio "
        "shows vanishing gradients, the train/validation gap overfitting. Only the runs you "
        "publish are shown, read-only; the rest of your runs stay yours alone."
    )
)
store, _warning = state.run_store()
state.store_notices()
board_views.flash()
view = board_views.read()  # once per page run, passed to each section

# 1. The board (refreshed while the class publishes) -------------------------------------------
c1, c2 = st.columns([3, 1], vertical_alignment="center")
c1.header(_("The board"))
live = c2.toggle(
    _("Update live"), value=True, key="board.live", help=_("Look for new runs every few seconds.")
)
board_views.board(view, live)

# 2. Publish ------------------------------------------------------------------------------------
st.header(_("Publish a run of yours"))
board_views.publish_form(store, view)

# 3. The teacher's controls -----------------------------------------------------------------------
board_teacher.teacher(view)
