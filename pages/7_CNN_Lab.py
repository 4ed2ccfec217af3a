"""CNN lab: train a convolutional net on real images, then look inside it."""

import time
from dataclasses import asdict

import streamlit as st
import torch

from core import image_data
from core.cnn import architecture
from core.config import CNNConfig, changed_fields
from core.devices import pick_device
from core.runs import Recorder
from core.training import History, train
from ui import cnn_views, state, views
from ui.controls import cnn_controls

st.set_page_config(page_title="CNN lab", page_icon="🖼️", layout="wide")
state.setup()
PREFIX, RUN, FAILED = "cnn", "cnn.history", "cnn._failed_downloads"

# 1. Lesson ------------------------------------------------------------------------------
st.title("CNN lab")
st.markdown(
    "A **convolutional** net slides small filters over the image: the same few weights look for "
    "the same pattern everywhere, so it needs far fewer parameters than a dense net and keeps "
    "the picture's layout. Train one on handwritten digits, watch the gradient reach every "
    "conv layer, then open it up: the filters it learned, the **feature maps** each layer "
    "makes of an image, the digits it confuses, and its verdict on a picture of your own."
)

# 2. Config: URL -> widgets; a data set that is not on disk is fetched before the widgets -----
notices = state.sync_from_url(CNNConfig, PREFIX)
for notice in notices:
    st.warning(f"This link had a bad value. {notice}.", icon="⚠️")
failed: dict[str, str] = st.session_state.setdefault(FAILED, {})
wanted = st.session_state[f"{PREFIX}.dataset"]
if not image_data.IMAGE_DATASETS[wanted].embedded and not image_data.is_available(wanted):
    if wanted not in failed:
        bar = st.progress(0.0, text=f"Downloading {wanted} into {image_data.datasets_dir()} ...")
        got = image_data.load_images(
            wanted,
            100,
            0.2,
            0,
            download=True,
            progress=lambda label, f: bar.progress(min(f, 1.0), text=label),
        )
        bar.empty()
        if got.dataset != wanted:
            failed[wanted] = got.notice
    if wanted in failed:
        st.error(failed[wanted] + " Training on the built-in digits instead.", icon="📦")
        if st.button(f"Try downloading {wanted} again"):
            failed.pop(wanted)
            st.rerun()
        st.session_state[f"{PREFIX}.dataset"] = "digits"  # before the widget exists: allowed
with st.container(border=True):
    cfg = cnn_controls(PREFIX)
params = state.publish(cfg, PREFIX)
with st.expander("Share this experiment"):
    st.code(state.share_link("CNN_Lab", params), language="text", wrap_lines=True)
    st.caption("The link holds every setting, seed included: whoever opens it trains the same net.")

# 3. Data and architecture -----------------------------------------------------------------
split = state.load_image_split(cfg.dataset, cfg.n_train, cfg.val_fraction, cfg.seed)
if split.notice:
    st.info(split.notice)
shape = tuple(split.x_train.shape[1:])
arch = architecture(cfg, shape, split.n_classes)
st.subheader("Layers, shapes and parameters")
for reason in arch.problems:
    st.error(reason)
if not arch.problems:
    cnn_views.layer_table(arch, shape)
device = pick_device("cnn")
c_train, c_stop, c_info = st.columns([1, 1, 6], vertical_alignment="center")
go = c_train.button("Train", type="primary", disabled=bool(arch.problems), width="stretch")
c_stop.button("Stop", width="stretch", help="Stops after the current epoch; finished epochs stay.")
where = f"the GPU ({torch.cuda.get_device_name(0)})" if device == "cuda" else "the CPU (no GPU found)"
c_info.caption(
    f"{len(split.x_train):,} training and {len(split.x_val):,} validation images of "
    f"{' x '.join(map(str, shape))} from {split.source}; training on {where}. Downloaded sets live "
    f"in {image_data.datasets_dir()} (set {image_data.ENV_VAR} to move them)."
)

history: History | None = st.session_state.get(RUN)
store, store_warning = state.run_store()
if store_warning:
    st.warning(store_warning, icon="⚠️")
views.settle_interrupted(history, store)

# 4. Run -----------------------------------------------------------------------------------
if go:
    history = History(config={}, layers=[], lab="cnn")
    recorder = Recorder(store, "cnn", asdict(cfg))  # every finished epoch is committed
    history.run_id = recorder.run_id
    st.session_state[RUN] = history
    progress = st.progress(0.0, text="Starting...")
    slots = cnn_views.make_slots(device)
    next_draw = [0.0]

    def on_epoch(record: dict) -> None:
        """Stored each epoch; charts redrawn when due (drawing takes at most ~1/5 of the run)."""
        recorder.on_epoch(record, history.layers)
        progress.progress(record["epoch"] / cfg.epochs, text=f"Epoch {record['epoch']} / {cfg.epochs}")
        now = time.perf_counter()
        if now >= next_draw[0] and record["epoch"] < cfg.epochs:
            views.status_line(slots.status, history)
            views.draw(slots, history)
            done = time.perf_counter()
            next_draw[0] = done + max(0.5, 4 * (done - now))

    train(cfg, split=split, on_epoch=on_epoch, history=history, device=device)
    recorder.finish(history)
    st.rerun()

# 5. Results of the last run -----------------------------------------------------------------
if history is None:
    st.info("Press **Train** to start. The results, filters and feature maps appear below.")
    st.stop()
run_cfg = CNNConfig(**{k: v for k, v in history.config.items() if k in CNNConfig.__dataclass_fields__})
if diff := changed_fields(run_cfg, cfg):
    st.info(
        "Showing the last run. Settings changed since: "
        + ", ".join(f"{k} {a} → {b}" for k, (a, b) in diff.items())
        + ". Press **Train** to run them."
    )
slots = cnn_views.make_slots(device)
views.status_line(slots.status, history)
views.draw(slots, history)
if not history.epochs or history.model is None:
    st.stop()
run_split = state.load_image_split(run_cfg.dataset, run_cfg.n_train, run_cfg.val_fraction, run_cfg.seed)
st.subheader("What the first layer learned")
cnn_views.filters(history)
st.subheader("Feature maps of one validation image")
cnn_views.feature_maps(history, run_split)
st.subheader("Where it goes wrong")
cnn_views.mistakes(history, run_split)
st.subheader("Try your own picture")
cnn_views.upload(history, run_split)
views.distributions(history, PREFIX)
if history.run_id is not None:
    st.page_link(
        "pages/8_Compare.py",
        label=f"Kept as run #{history.run_id}: compare it with other runs",
        icon=":material/compare_arrows:",
    )
