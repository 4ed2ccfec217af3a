"""Compare: every stored run, any runs side by side, one-click comparisons and sweeps."""

import time

import streamlit as st

from core.compare import COMPARISONS, run_plan
from core.config import MLPConfig
from ui import compare_charts, compare_views, state

st.set_page_config(page_title="Compare runs", page_icon="🧠", layout="wide")
state.setup()
ACTIVE = "cmp.active_run"

st.title("Compare runs")
st.markdown(
    "Every run you train, in the labs or with `python -m core train --save`, is kept here epoch by "
    "epoch. Put runs side by side, or let one click run a comparison where **only one knob "
    "changes**: same seed, same data, same everything else."
)
store, warning = state.run_store()
if warning:
    st.warning(warning, icon="⚠️")

# A comparison interrupted by Stop (or any click) keeps its finished runs and epochs.
if (active := st.session_state.pop(ACTIVE, None)) is not None:
    store.mark_stopped(active)

# 1. One-click comparisons --------------------------------------------------------------------
st.header("One-click comparisons")
c1, c2, c3 = st.columns([2, 1, 1])
key = c1.selectbox(
    "Comparison", list(COMPARISONS), format_func=lambda k: COMPARISONS[k].title, key="cmp.kind"
)
depth = c2.slider("Depth", 1, 20, 10, key="cmp.depth")
epochs = c3.slider("Epochs", 1, 500, 30, key="cmp.epochs")
comparison = COMPARISONS[key]
plan = comparison.plan(MLPConfig(depth=depth, epochs=epochs))
st.caption(
    f"{comparison.lesson} {len(plan)} runs: "
    + ", ".join(label for label, _ in plan[:6])
    + (" ..." if len(plan) > 6 else "")
    + "."
)
b1, b2, _ = st.columns([2, 1, 5])
go = b1.button("Run comparison", type="primary", width="stretch", key="cmp.run")
b2.button("Stop", width="stretch", key="cmp.stop", help="Finished runs and epochs stay in the store.")

if go:
    progress = st.progress(0.0, text="Starting...")
    live = st.empty()
    histories: list = []
    last = [0.0]

    def on_run(i: int, label: str, history) -> None:
        st.session_state[ACTIVE] = history.run_id
        histories.append((label, history))

    def on_epoch(i: int, record: dict) -> None:
        cfg = plan[i][1]
        progress.progress(
            (i + record["epoch"] / cfg.epochs) / len(plan),
            text=f"Run {i + 1} of {len(plan)} ({plan[i][0]}): epoch {record['epoch']} / {cfg.epochs}",
        )
        if time.perf_counter() - last[0] > 0.5 or record["epoch"] == cfg.epochs:
            runs = [{"id": h.run_id, "name": lbl, "epochs": h.epochs} for lbl, h in histories if h.epochs]
            live.plotly_chart(compare_charts.curves_figure(runs, "loss", 0.0), width="stretch")
            last[0] = time.perf_counter()

    group = run_plan(store, key, plan, on_run=on_run, on_epoch=on_epoch)
    st.session_state.pop(ACTIVE, None)
    st.session_state[compare_views.SELECTED] = [r["id"] for r in store.list(group=group)]
    st.rerun()

# 2. The runs ------------------------------------------------------------------------------------
st.header("Runs")
runs = compare_views.runs_table(store)
if not runs:
    st.info("No runs yet. Run a comparison above, or press Train in the MLP lab.")
    compare_views.import_runs(store)
    st.stop()
picked = compare_views.pick_runs(runs)
if not picked:
    st.info("Choose runs above to put them side by side.")
else:
    loaded = [store.load(i, detail=False) for i in picked]
    st.header("Side by side")
    compare_views.side_by_side(loaded)
    st.header("Keep, share, export")
    compare_views.manage(store, loaded)
compare_views.import_runs(store)
