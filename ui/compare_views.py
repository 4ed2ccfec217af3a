"""The Compare page's sections: the runs table, the side-by-side views, manage and export."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from core import compare, export
from core.config import to_params
from core.labs import LABS
from core.runs import ImportRejected, RunStore, data_dir
from ui import compare_charts

SELECTED = "cmp.selected"


def runs_table(store: RunStore) -> list[dict]:
    """Filters and the table of stored runs; returns the filtered runs (newest first)."""
    runs = store.list(limit=2000)
    if not runs:
        return []
    c1, c2, c3, c4 = st.columns(4)
    labs = c1.multiselect("Lab", sorted({r["lab"] for r in runs}), key="cmp.f_lab")
    acts = c2.multiselect(
        "Activation", sorted({str(r["config"].get("activation")) for r in runs}), key="cmp.f_act"
    )
    stats = c3.multiselect("Status", ["finished", "stopped", "diverged", "running"], key="cmp.f_status")
    since = c4.date_input("Since", value=None, key="cmp.f_since")
    runs = [
        r
        for r in runs
        if (not labs or r["lab"] in labs)
        and (not acts or str(r["config"].get("activation")) in acts)
        and (not stats or r["status"] in stats)
        and (since is None or r["created"][:10] >= since.isoformat())
    ]
    table = pd.DataFrame(
        [
            {
                "id": r["id"],
                "name": r["name"],
                "created": r["created"][:19].replace("T", " "),
                "lab": r["lab"],
                "status": r["status"],
                "activation": r["config"].get("activation"),
                "depth": r["config"].get("depth"),
                "epochs": r["n_epochs"],
                "val_acc": r["val_acc"],
                "val_loss": r["val_loss"],
                "seconds": round(r["seconds"], 2),
                "tags": ", ".join(r["tags"]),
                "group": r["group"],
            }
            for r in runs
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(400, 38 + 35 * len(table)),
        column_config={
            "val_acc": st.column_config.NumberColumn(format="%.3f"),
            "val_loss": st.column_config.NumberColumn(format="%.4f"),
        },
    )
    return runs


def pick_runs(runs: list[dict]) -> list[int]:
    """The multiselect of runs to compare; defaults to the last comparison's runs."""
    ids = [r["id"] for r in runs]
    names = {r["id"]: f"#{r['id']} {r['name']} ({r['status']})" for r in runs}
    keep = [i for i in st.session_state.get(SELECTED, []) if i in ids]
    if "cmp.pick" not in st.session_state or st.session_state.get("cmp.pick_default") != keep:
        st.session_state["cmp.pick"] = keep  # a new comparison selects its own runs
        st.session_state["cmp.pick_default"] = keep
    st.session_state["cmp.pick"] = [i for i in st.session_state["cmp.pick"] if i in ids]
    return st.multiselect("Runs to compare", ids, format_func=names.get, key="cmp.pick")


def side_by_side(runs: list[dict]) -> None:
    """Overlaid curves, config diff, gradient flow, and the depth curve for sweeps."""
    c1, c2, c3 = st.columns([1, 2, 1])
    metric = c1.radio(
        "Metric",
        ["loss", "acc"],
        horizontal=True,
        key="cmp.metric",
        format_func={"loss": "loss", "acc": "accuracy"}.get,
    )
    smooth = c2.slider("Smoothing (EMA, as TensorBoard)", 0.0, 0.99, 0.6, 0.01, key="cmp.smooth")
    log_y = c3.toggle("Log scale", key="cmp.log")
    st.plotly_chart(compare_charts.curves_figure(runs, metric, smooth, log_y), width="stretch")
    st.caption(
        "Dashed: training; solid: validation. The faint lines are the raw values; the bold "
        "ones are smoothed, debiased like TensorBoard's."
    )

    st.subheader("What differs")
    diff = compare.config_diff([r["config"] for r in runs])
    if diff:
        st.dataframe(
            pd.DataFrame(diff, index=[compare_charts.run_label(r) for r in runs]).T.astype(str),
            width="stretch",
        )
        st.caption(
            "Only the settings that differ between the chosen runs; everything else, seed "
            "and data included, is the same."
        )
    else:
        st.info("These runs share every setting, seed included.")

    st.subheader("Gradient flow side by side")
    st.plotly_chart(compare_charts.ratio_figure(runs), width="stretch")
    st.plotly_chart(compare_charts.grad_grid_figure(runs), width="stretch")
    st.caption(
        "Top: the first layer's gradient divided by the last layer's, per epoch (1 is a "
        "perfectly even flow; 1e-6 means the first layer gets a millionth). Below: each "
        "run's layer x epoch gradient norms on one shared log colour scale."
    )
    sweep = [r for r in runs if "depth_sweep" in r["tags"]]
    if len(sweep) >= 2:
        st.subheader("The vanishing-gradient curve")
        st.plotly_chart(compare_charts.depth_figure(compare.ratio_by_depth(sweep)), width="stretch")
        st.caption(
            "Each point is one run of the sweep: its first/last gradient ratio after the "
            "last epoch. Sigmoid falls by orders of magnitude with depth; ReLU with He init stays near 1."
        )


def export_dir() -> Path:
    """Where TensorBoard exports go: LAB_EXPORT_DIR, else tensorboard/ in the data folder."""
    return Path(os.environ.get("LAB_EXPORT_DIR") or data_dir() / "tensorboard")


def manage(store: RunStore, runs: list[dict]) -> None:
    """Reopen in the lab, rename, tag, delete, export (JSON, CSV, TensorBoard)."""
    st.markdown("**Reopen in the lab** (the link carries the run's whole config, seed included)")
    for r in runs[:12]:
        if (lab := LABS.get(r["lab"])) is not None:
            fields = lab.config.__dataclass_fields__
            cfg = lab.config(**{k: v for k, v in r["config"].items() if k in fields})
            st.page_link(
                lab.page,
                label=f"{r['lab'].upper()} · {compare_charts.run_label(r)}",
                icon=":material/open_in_new:",
                query_params=to_params(cfg),
            )
    c1, c2, c3 = st.columns(3)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    c1.download_button(
        "Download JSON", export.to_json(runs), f"runs-{stamp}.json", "application/json", key="cmp.dl_json"
    )
    c2.download_button("Download CSV", export.to_csv(runs), f"runs-{stamp}.csv", "text/csv", key="cmp.dl_csv")
    folder = export_dir() / stamp
    if c3.button("Write TensorBoard files", key="cmp.tb"):
        paths = export.to_tensorboard(runs, folder)
        st.success(f"Wrote {len(paths)} runs to {folder}. View them with `tensorboard --logdir {folder}`.")
    with st.expander("Rename, tag or delete"):
        if len(runs) == 1:
            name = st.text_input("Name", runs[0]["name"], key=f"cmp.name.{runs[0]['id']}")
            if st.button("Rename", key="cmp.rename"):
                store.rename(runs[0]["id"], name)
                st.rerun()
        tags = st.text_input("Tags (comma-separated) for the chosen runs", key="cmp.tags")
        if st.button("Set tags", key="cmp.settags"):
            for r in runs:
                store.set_tags(r["id"], [t.strip() for t in tags.split(",") if t.strip()])
            st.rerun()
        if st.button(f"Delete {len(runs)} run(s)", key="cmp.delete", type="secondary"):
            store.delete([r["id"] for r in runs])
            st.rerun()


def import_runs(store: RunStore) -> None:
    """Upload a JSON export: checked in full, then written all at once, or rejected with why."""
    up = st.file_uploader("Import runs (a JSON export)", type=["json"], key="cmp.import")
    if up is None or st.session_state.get("cmp.imported") == up.file_id:
        return
    try:
        data = json.loads(up.getvalue().decode("utf-8"))
        ids = store.import_runs(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        st.error(f"Not imported: the file is not valid JSON ({err}).")
        return
    except ImportRejected as err:
        st.error(f"Not imported: {err}. Nothing was written.")
        return
    st.session_state["cmp.imported"] = up.file_id
    st.session_state[SELECTED] = ids
    st.success(f"Imported {len(ids)} run(s): {', '.join(f'#{i}' for i in ids)}.")
