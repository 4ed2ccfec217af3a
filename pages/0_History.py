"""History: from threshold units (1943) to deep learning, one step at a time, each tried in this lab."""

import streamlit as st

from core.base.i18n import _
from core.lessons.history import EVENTS
from ui.common import state
from ui.common.plot import chart
from ui.lessons import history_charts, history_view

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("History"), page_icon="📜", layout="wide")

# 1. Lesson ------------------------------------------------------------------------------
st.title(_("From switches to deep learning: a short history"))
st.markdown(
    _(
        "The threshold neuron on the next page goes back to 1943, its learning rule to 1958, "
        "backpropagation to 1986. Walk the timeline one step at a time: each step says what happened, "
        "why it mattered, who published it, and opens the page of this lab where you can try it yourself."
    )
)

# 2. Control: one step at a time (the step is in the URL, so a link can point at it) ----------
index, event = history_view.walker()

# 3. The step, and where it sits on the timeline ---------------------------------------------
history_view.show(event, index)
chart(st, history_charts.timeline_figure(EVENTS, index), key="history.chart")
st.caption(
    _(
        "Blue: the steps behind you; red: this one; grey: still ahead. A bar spans a period of "
        "several years. The last three steps are where these ideas lead, beyond this course."
    )
)
