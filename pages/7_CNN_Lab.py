"""CNN lab: train a convolutional net on real images, then look inside it."""

import streamlit as st

from core.base.i18n import _
from core.contract.config import CNNConfig
from core.engine.cnn import architecture
from core.engine.devices import pick_device
from core.serving.hosting import over_limits
from ui.common import state
from ui.common.controls import cnn_controls
from ui.compare import board_views
from ui.labs import cnn_views, live_run, training_views
from ui.labs.layer_lessons import layer_lessons

state.setup()
st.set_page_config(page_title=_("CNN lab"), page_icon="🖼️", layout="wide")
PREFIX, RUN = "cnn", "cnn.history"

# 1. Lesson ------------------------------------------------------------------------------
st.title(_("CNN lab"))
st.markdown(
    _(
        "A **convolutional** net slides small filters over the image: the same few weights look for "
        "the same pattern everywhere, so it needs far fewer parameters than a dense net and keeps "
        "the picture's layout. Train one on handwritten digits, watch the gradient reach every "
        "conv layer, then open it up: the filters it learned, the **feature maps** each layer "
        "makes of an image, the digits it confuses, and its verdict on a picture of your own."
    )
)

# 2. Config: URL -> widgets; a data set that is not on disk is fetched before the widgets -----
state.link_notices(CNNConfig, PREFIX)
cnn_views.ensure_dataset(PREFIX, state.hosting().downloads)
with st.container(border=True):
    cfg = cnn_controls(PREFIX)
layer_lessons(cfg)
state.share_box("CNN_Lab", state.publish(cfg, PREFIX))

# 3. Data and architecture -----------------------------------------------------------------
split = state.load_image_split(cfg.dataset, cfg.n_train, cfg.val_fraction, cfg.seed)
if split.notice:
    st.info(split.notice)
shape = tuple(split.x_train.shape[1:])
arch = architecture(cfg, shape, split.n_classes)
st.subheader(_("Layers, shapes and parameters"))
blockers = arch.problems + (over_limits(cfg, state.hosting().limits) if state.hosting().public else [])
for reason in blockers:
    st.error(reason)
if not arch.problems:
    cnn_views.layer_table(arch, shape)
device = pick_device("cnn")


def run_area(cfg: CNNConfig, split, shape: tuple, device: str, blockers: list[str]) -> None:
    """Train / Stop, the run and what it learned: a fragment (live_run.area), rerun alone by its
    buttons and by the widgets under the run (the picture upload)."""
    go = live_run.buttons(bool(blockers), cnn_views.about(split, shape, device))
    state.store_notices()
    history = live_run.last_run(RUN)

    # 4. Run (waits for a training slot, keeps every epoch, redraws live) ----------------------
    slots = None
    if go:  # the ended run is drawn below into the views it was drawn into live
        slots_factory = lambda: cnn_views.make_slots(device)  # noqa: E731
        history, slots = live_run.run(cfg, RUN, slots_factory, split=split, device=device)

    # 5. Results of the last run -------------------------------------------------------------
    if history is None:
        st.info(_("Press **Train** to start. The results, filters and feature maps appear below."))
        return
    live_run.settings_changed(history, cfg)
    live_run.show(history, slots if slots is not None else cnn_views.make_slots(device))
    if not history.epochs or history.net() is None:
        return
    run_cfg = state.config_of(history, CNNConfig)
    run_split = state.load_image_split(run_cfg.dataset, run_cfg.n_train, run_cfg.val_fraction, run_cfg.seed)
    st.subheader(_("What the first layer learned"))
    cnn_views.filters(history)
    st.subheader(_("Feature maps and activation maps of one validation image"))
    cnn_views.feature_maps(history, run_split)
    st.subheader(_("Where it goes wrong"))
    cnn_views.mistakes(history, run_split)
    st.subheader(_("Try your own picture"))
    cnn_views.upload(history, run_split)
    training_views.distributions(history, PREFIX)
    cnn_views.kept_run_link(history)
    board_views.publish_box(history, fresh=go)


live_run.area(run_area, cfg, split, shape, device, blockers)
