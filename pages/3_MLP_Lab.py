"""MLP lab: train a multilayer perceptron on 2-D points and watch gradients, curves, boundary."""

import time
from dataclasses import asdict

import streamlit as st

from core.config import MLPConfig, changed_fields
from core.runs import Recorder
from core.training import History, problems, train
from ui import charts, state, views
from ui.controls import mlp_controls

st.set_page_config(page_title="MLP lab", page_icon="🧠", layout="wide")
state.setup()
PREFIX, RUN = "mlp", "mlp.history"

# 1. Lesson ------------------------------------------------------------------------------
st.title("MLP lab")
st.markdown(
    "Build a multilayer perceptron, train it for real with PyTorch, and watch what happens "
    "inside: the **loss** on training and validation points, the **gradient** each layer "
    "receives, the **decision boundary** it draws, and the state of its **activations**. "
    "Try depth 10 with sigmoid, then ReLU; try a small noisy data set with a wide net and "
    "many epochs, then add dropout."
)

# 2. Config: URL -> widgets -> config -> URL -----------------------------------------------
notices = state.sync_from_url(MLPConfig, PREFIX)
for notice in notices:
    st.warning(f"This link had a bad value. {notice}.", icon="⚠️")
with st.container(border=True):
    cfg = mlp_controls(PREFIX)
params = state.publish(cfg, PREFIX)
with st.expander("Share this experiment"):
    st.code(state.share_link("MLP_Lab", params), language="text", wrap_lines=True)
    st.caption(
        "The link holds every setting, seed included: whoever opens it trains the same net "
        "on the same points and gets the same curves."
    )

# 3. Data and model ----------------------------------------------------------------------
split = state.load_split(cfg.dataset, cfg.n_samples, cfg.noise, cfg.val_fraction, cfg.seed)
blockers = problems(cfg)
for reason in blockers:
    st.error(reason)
c_train, c_stop, c_info = st.columns([1, 1, 6], vertical_alignment="center")
go = c_train.button("Train", type="primary", disabled=bool(blockers), width="stretch")
c_stop.button("Stop", width="stretch", help="Stops after the current epoch; finished epochs stay.")
c_info.caption(
    f"{len(split.x_train)} training and {len(split.x_val)} validation points, "
    f"{split.n_classes} classes; {cfg.depth} hidden layers of {cfg.width} units."
)

# A run that was interrupted (Stop, or any widget touched mid-run) keeps its finished epochs.
history: History | None = st.session_state.get(RUN)
store, store_warning = state.run_store()
if store_warning:
    st.warning(store_warning, icon="⚠️")
views.settle_interrupted(history, store)

# 4. Run -----------------------------------------------------------------------------------
if go:
    history = History(config={}, layers=[])
    recorder = Recorder(store, "mlp", asdict(cfg))  # every finished epoch is committed
    history.run_id = recorder.run_id
    st.session_state[RUN] = history
    progress = st.progress(0.0, text="Starting...")
    slots = views.make_slots()
    next_draw = [0.0]  # redraws are throttled so that drawing takes at most ~1/5 of the time

    def on_epoch(record: dict) -> None:
        """Each epoch: stored, progress, and a redraw of every chart when due: the first epoch,
        then no sooner than 0.5 s, or 4x the last redraw's cost, after the previous one."""
        recorder.on_epoch(record, history.layers)
        progress.progress(record["epoch"] / cfg.epochs, text=f"Epoch {record['epoch']} / {cfg.epochs}")
        now = time.perf_counter()
        if now >= next_draw[0] and record["epoch"] < cfg.epochs:  # the last is drawn by the rerun
            views.status_line(slots.status, history)
            views.draw(slots, history, split)
            done = time.perf_counter()
            next_draw[0] = done + max(0.5, 4 * (done - now))

    train(cfg, split=split, on_epoch=on_epoch, history=history)
    recorder.finish(history)
    st.rerun()  # draw the finished run through the same path as every later rerun

# 5. Results of the last run -----------------------------------------------------------------
if history is None:
    st.info("Press **Train** to start. The points below are the data set the net will learn.")
    st.plotly_chart(charts.decision_figure(None, split), width="stretch")
else:
    run_cfg = MLPConfig(**{k: v for k, v in history.config.items() if k in MLPConfig.__dataclass_fields__})
    diff = changed_fields(run_cfg, cfg)
    if diff:
        st.info(
            "Showing the last run. Settings changed since: "
            + ", ".join(f"{k} {a} → {b}" for k, (a, b) in diff.items())
            + ". Press **Train** to run them."
        )
    slots = views.make_slots()
    views.status_line(slots.status, history)
    run_split = state.load_split(
        run_cfg.dataset, run_cfg.n_samples, run_cfg.noise, run_cfg.val_fraction, run_cfg.seed
    )
    views.draw(slots, history, run_split)
    views.distributions(history)
    if history.run_id is not None:
        st.page_link(
            "pages/8_Compare.py",
            label=f"Kept as run #{history.run_id}: compare it with other runs",
            icon=":material/compare_arrows:",
        )
