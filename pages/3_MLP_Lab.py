"""MLP lab: train a multilayer perceptron on 2-D points and watch gradients, curves, boundary."""

import streamlit as st

from core.base.i18n import _
from core.contract.config import MLPConfig
from core.engine.training import problems
from core.serving.hosting import over_limits
from ui.common import state
from ui.common.controls import mlp_controls
from ui.compare import board_views
from ui.labs import live_run, mlp_views, training_views
from ui.labs.layer_lessons import layer_lessons

state.setup()
st.set_page_config(page_title=_("MLP lab"), page_icon="🧠", layout="wide")
PREFIX, RUN = "mlp", "mlp.history"

# 1. Lesson ------------------------------------------------------------------------------
st.title(_("MLP lab"))
st.markdown(
    _(
        "Build a multilayer perceptron, train it for real with PyTorch, and watch what happens "
        "inside: the **loss** on training and validation points, the **gradient** each layer "
        "receives, the **decision boundary** it draws, and the state of its **activations**. "
        "Try depth 10 with sigmoid, then ReLU; try a small noisy data set with a wide net and "
        "many epochs, then add dropout."
    )
)

# 2. Config: URL -> widgets -> config -> URL -----------------------------------------------
state.link_notices(MLPConfig, PREFIX)
with st.container(border=True):
    cfg = mlp_controls(PREFIX)
layer_lessons(cfg)
state.share_box("MLP_Lab", state.publish(cfg, PREFIX))

# 3. Data and model ----------------------------------------------------------------------
split = state.mlp_split(cfg)
blockers = problems(cfg) + (over_limits(cfg, state.hosting().limits) if state.hosting().public else [])


def run_area(cfg: MLPConfig, split, blockers: list[str]) -> None:
    """Train / Stop, the run and its results: a fragment (live_run.area), rerun alone by its buttons."""
    for reason in blockers:
        st.error(reason)
    go = live_run.buttons(bool(blockers), mlp_views.about(cfg, split))
    state.store_notices()
    history = live_run.last_run(RUN)

    # 4. Run (waits for a training slot, keeps every epoch, redraws live) ----------------------
    slots = None
    if go:  # the ended run is drawn below into the views it was drawn into live
        history, slots = live_run.run(cfg, RUN, lambda: mlp_views.make_slots(split), split=split)

    # 5. Results of the last run -------------------------------------------------------------
    if history is None:
        mlp_views.data_preview(cfg)
        return
    live_run.settings_changed(history, cfg)
    if slots is None:
        slots = mlp_views.make_slots(state.mlp_split(state.config_of(history, MLPConfig)))
    live_run.show(history, slots)
    training_views.distributions(history, PREFIX)
    mlp_views.kept_run_link(history)
    board_views.publish_box(history, fresh=go)


live_run.area(run_area, cfg, split, blockers)
