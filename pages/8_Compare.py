"""Compare: the examples, one-click comparisons, and every run of yours side by side."""

import streamlit as st

from core.base.i18n import _
from ui.common import state
from ui.compare import compare_views

state.setup()
st.set_page_config(page_title=_("Compare runs"), page_icon="🧠", layout="wide")

st.title(_("Compare runs"))
st.markdown(
    _(
        "Every run you train, in the labs or with `python -m core train --save`, is kept here epoch by "
        "epoch. Put runs side by side, or let one click run a comparison where **only one knob "
        "changes**: same seed, same data, same everything else."
    )
)
store, _warning = state.run_store()
state.store_notices()

# 1. Examples shipped with the app (drawn only when asked: they cost the server a few charts) ---
if st.toggle(_("Show the examples: sigmoid vs ReLU, dropout, a depth sweep (already trained)"), key="ex.on"):
    compare_views.examples()

# 2. One-click comparisons --------------------------------------------------------------------
st.header(_("One-click comparisons"))
compare_views.comparisons(store)

# 3. Your runs ------------------------------------------------------------------------------------
st.header(_("Your runs") if state.hosting().public else _("Runs"))
compare_views.import_runs(store)  # first: what it imports is in the table and chosen below
runs = compare_views.runs_table(store)
if not runs:
    st.info(_("No runs yet. Run a comparison above, or press Train in the MLP lab."))
    st.stop()
picked = compare_views.pick_runs(runs)
if not picked:
    st.info(_("Choose runs above to put them side by side."))
else:
    loaded = [store.load(i, detail=False) for i in picked]
    st.header(_("Side by side"))
    compare_views.side_by_side(loaded)
    st.header(_("Keep, share, export"))
    compare_views.manage(store, loaded)
