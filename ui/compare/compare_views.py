"""The Compare page's sections: the examples, one-click comparisons, the visitor's runs table, the
side-by-side views, manage and export, import."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from core.base.i18n import N_, _
from core.base.paths import export_dir
from core.contract.config import MLPConfig, from_stored, to_params
from core.engine.labs import LABS
from core.runs import compare, export, gallery
from core.runs.compare import COMPARISONS, run_plan
from core.runs.export import ImportRejected
from core.runs.owners import ScopedStore
from core.runs.store import RunStore
from core.serving.hosting import over_limits
from ui.common import state
from ui.common.code import show_code
from ui.compare import compare_charts
from ui.labs import live_run

SELECTED, ACTIVE = "cmp.selected", "cmp.active_run"
STATUSES = {  # a run's status (a stored key) as the page says it
    "finished": N_("finished"),
    "stopped": N_("stopped"),
    "diverged": N_("diverged"),
    "running": N_("running"),
}


def status_label(status: str) -> str:
    """A stored status in the page's language."""
    return _(STATUSES.get(status, status))


@st.cache_resource
def examples_store() -> RunStore:
    """The example runs shipped with the app, loaded once per server, shared read-only."""
    return gallery.load()


def examples() -> None:
    """The shipped examples, one comparison at a time, read-only."""
    store = examples_store()
    runs = store.list(limit=1000)
    groups = list(dict.fromkeys(r["group"] for r in reversed(runs)))
    if not groups:
        return
    titles = {g: _(COMPARISONS[g.split("-")[0]].title) for g in groups}
    group = st.selectbox(_("Example"), groups, format_func=titles.get, key="ex.group")
    picked = [store.load(r["id"], detail=False) for r in reversed(store.list(group=group))]
    st.caption(
        _(
            "Trained with the app's defaults and shipped with it, the same for every visitor "
            "(read-only). {lesson}"
        ).format(lesson=_(COMPARISONS[group.split("-")[0]].lesson))
    )
    side_by_side(picked, "ex")


def comparisons(store: RunStore | ScopedStore) -> None:
    """Pick a one-click comparison, run it (through the training line), select its runs."""
    c1, c2, c3 = st.columns([2, 1, 1])
    key = c1.selectbox(
        _("Comparison"), list(COMPARISONS), format_func=lambda k: _(COMPARISONS[k].title), key="cmp.kind"
    )
    depth = c2.slider(_("Depth"), 1, 20, 10, key="cmp.depth")
    epochs = c3.slider(_("Epochs"), 1, 500, 30, key="cmp.epochs")
    comparison = COMPARISONS[key]
    plan = comparison.plan(MLPConfig(depth=depth, epochs=epochs))
    labels = ", ".join(label for label, _cfg in plan[:6]) + (" ..." if len(plan) > 6 else "")
    st.caption(
        _("{lesson} {n} runs: {labels}.").format(lesson=_(comparison.lesson), n=len(plan), labels=labels)
    )
    host = state.hosting()
    blockers = sorted({r for _label, c in plan for r in over_limits(c, host.limits)}) if host.public else []
    for reason in blockers:
        st.error(reason)
    b1, b2, _rest = st.columns([2, 1, 5])
    go = b1.button(
        _("Run comparison"), type="primary", width="stretch", key="cmp.run", disabled=bool(blockers)
    )
    b2.button(
        _("Stop"), width="stretch", key="cmp.stop", help=_("Finished runs and epochs stay in the store.")
    )
    show_code(run_plan)
    if go:
        _run(store, key, plan)


def _run(store: RunStore | ScopedStore, key: str, plan: list) -> None:
    """Train the plan in one training slot, each run kept epoch by epoch; then select its runs."""
    ticket = live_run.wait_in_line(st.empty())
    progress = st.progress(0.0, text=_("Starting..."))
    live = st.empty()
    histories: list = []
    last = [0.0]

    def on_run(i: int, label: str, history) -> None:
        st.session_state[ACTIVE] = history.run_id
        histories.append((label, history))

    def on_epoch(i: int, record: dict) -> None:
        cfg = plan[i][1]
        text = _("Run {i} of {n} ({label}): epoch {e} / {total}").format(
            i=i + 1, n=len(plan), label=plan[i][0], e=record["epoch"], total=cfg.epochs
        )
        progress.progress((i + record["epoch"] / cfg.epochs) / len(plan), text=text)
        if time.perf_counter() - last[0] > 0.5 or record["epoch"] == cfg.epochs:
            runs = [{"id": h.run_id, "name": lbl, "epochs": h.epochs} for lbl, h in histories if h.epochs]
            live.plotly_chart(compare_charts.curves_figure(runs, "loss", 0.0), width="stretch")
            last[0] = time.perf_counter()

    try:
        group = run_plan(store, key, plan, on_run=on_run, on_epoch=on_epoch)
    finally:
        if (active := st.session_state.pop(ACTIVE, None)) is not None:
            store.mark_stopped(active)  # interrupted mid-run (Stop, a click, a closed tab): no-op if done
        state.admission().leave(ticket)
    st.session_state[SELECTED] = [r["id"] for r in store.list(group=group)]
    st.rerun()


def runs_table(store: RunStore | ScopedStore) -> list[dict]:
    """Filters and the table of the visitor's stored runs; returns the filtered runs (newest first)."""
    runs = store.list(limit=2000)
    if not runs:
        return []
    c1, c2, c3, c4 = st.columns(4)
    labs = c1.multiselect(_("Lab"), sorted({r["lab"] for r in runs}), key="cmp.f_lab")
    acts = c2.multiselect(
        _("Activation"), sorted({str(r["config"].get("activation")) for r in runs}), key="cmp.f_act"
    )
    stats = c3.multiselect(_("Status"), list(STATUSES), format_func=status_label, key="cmp.f_status")
    since = c4.date_input(_("Since"), value=None, key="cmp.f_since")
    runs = [
        r
        for r in runs
        if (not labs or r["lab"] in labs)
        and (not acts or str(r["config"].get("activation")) in acts)
        and (not stats or r["status"] in stats)
        and (since is None or r["created"][:10] >= since.isoformat())
    ]
    cols = {
        "id": "id", "name": _("name"), "created": _("created"), "lab": _("lab"), "status": _("status"),
        "activation": "activation", "depth": "depth", "epochs": _("epochs"), "val_acc": "val_acc",
        "val_loss": "val_loss", "seconds": _("seconds"), "tags": _("tags"), "group": _("group"),
    }  # fmt: skip
    table = pd.DataFrame(
        [
            {
                "id": r["id"],
                "name": r["name"],
                "created": r["created"][:19].replace("T", " "),
                "lab": r["lab"],
                "status": status_label(r["status"]),
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
    ).rename(columns=cols)
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
    names = {r["id"]: f"#{r['id']} {r['name']} ({status_label(r['status'])})" for r in runs}
    keep = [i for i in st.session_state.get(SELECTED, []) if i in ids]
    if "cmp.pick" not in st.session_state or st.session_state.get("cmp.pick_default") != keep:
        st.session_state["cmp.pick"] = keep  # a new comparison selects its own runs
        st.session_state["cmp.pick_default"] = keep
    st.session_state["cmp.pick"] = [i for i in st.session_state["cmp.pick"] if i in ids]
    return st.multiselect(_("Runs to compare"), ids, format_func=names.get, key="cmp.pick")


def side_by_side(runs: list[dict], prefix: str = "cmp") -> None:
    """Overlaid curves, config diff, gradient flow, and the depth curve for sweeps."""
    c1, c2, c3 = st.columns([1, 2, 1])
    metric = c1.radio(
        _("Metric"),
        ["loss", "acc"],
        horizontal=True,
        key=f"{prefix}.metric",
        format_func={"loss": _("loss"), "acc": _("accuracy")}.get,
    )
    smooth = c2.slider(_("Smoothing (EMA, as TensorBoard)"), 0.0, 0.99, 0.6, 0.01, key=f"{prefix}.smooth")
    log_y = c3.toggle(_("Log scale"), key=f"{prefix}.log")
    st.plotly_chart(compare_charts.curves_figure(runs, metric, smooth, log_y), width="stretch")
    st.caption(
        _(
            "Dashed: training; solid: validation. The faint lines are the raw values; the bold ones "
            "are smoothed, debiased like TensorBoard's."
        )
    )
    st.subheader(_("What differs"))
    diff = compare.config_diff([r["config"] for r in runs])
    if diff:
        names = [compare_charts.run_label(r) for r in runs]
        st.dataframe(pd.DataFrame(diff, index=names).T.astype(str), width="stretch")
        st.caption(
            _(
                "Only the settings that differ between the chosen runs; everything else, seed and "
                "data included, is the same."
            )
        )
    else:
        st.info(_("These runs share every setting, seed included."))
    st.subheader(_("Gradient flow side by side"))
    st.plotly_chart(compare_charts.ratio_figure(runs), width="stretch")
    st.plotly_chart(compare_charts.grad_grid_figure(runs), width="stretch")
    st.caption(
        _(
            "Top: the first layer's gradient divided by the last layer's, per epoch, {what} (1 is a "
            "perfectly even flow; 1e-6 means the first layer gets a millionth). Below: each run's "
            "layer x epoch gradients on one shared log colour scale."
        ).format(what=compare_charts.grad_axis(runs))
    )
    sweep = [r for r in runs if "depth_sweep" in r["tags"]]
    if len(sweep) >= 2:
        st.subheader(_("The vanishing-gradient curve"))
        by_depth = compare.ratio_by_depth(sweep)
        st.plotly_chart(compare_charts.depth_figure(by_depth), width="stretch")
        st.caption(depth_caption(by_depth))


def depth_caption(by_depth: dict[str, list[tuple[int, float]]]) -> str:
    """What the sweep shows, in its own numbers: how far each activation's ratio moves with depth."""
    text = _("Each point is one run of the sweep: its first/last gradient ratio after the last epoch.")
    parts = []
    for act, pts in sorted(by_depth.items()):
        if len(pts) < 2:
            continue
        (d0, r0), (d1, r1) = pts[0], pts[-1]
        lo, hi = min(r for _d, r in pts), max(r for _d, r in pts)
        parts.append(
            _("{act}: {r0:.2g} at depth {d0}, {r1:.2g} at depth {d1} (between {lo:.2g} and {hi:.2g})").format(
                act=act, r0=r0, d0=d0, r1=r1, d1=d1, lo=lo, hi=hi
            )
        )
    return " ".join([text, "; ".join(parts) + "."]) if parts else text


def manage(store: RunStore | ScopedStore, runs: list[dict]) -> None:
    """Reopen in the lab, rename, tag, delete, export (JSON, CSV, TensorBoard)."""
    st.markdown(_("**Reopen in the lab** (the link carries the run's whole config, seed included)"))
    for r in runs[:12]:
        if (lab := LABS.get(r["lab"])) is not None:
            cfg, _notices = from_stored(lab.config, r["config"])
            st.page_link(
                lab.page,
                label=f"{r['lab'].upper()} · {compare_charts.run_label(r)}",
                icon=":material/open_in_new:",
                query_params=to_params(cfg),
            )
    c1, c2, c3 = st.columns(3)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    data, name = export.to_json(runs), f"runs-{stamp}.json"
    c1.download_button(_("Download JSON"), data, name, "application/json", key="cmp.dl_json")
    c2.download_button(
        _("Download CSV"), export.to_csv(runs), f"runs-{stamp}.csv", "text/csv", key="cmp.dl_csv"
    )
    if not state.hosting().public:  # a shared server's disk is not the visitor's: download instead
        folder = export_dir() / stamp
        if c3.button(_("Write TensorBoard files"), key="cmp.tb"):
            paths = export.to_tensorboard(runs, folder)
            st.success(
                _("Wrote {n} runs to {folder}. View them with `tensorboard --logdir {folder}`.").format(
                    n=len(paths), folder=folder
                )
            )
    with st.expander(_("Rename, tag or delete")):
        if len(runs) == 1:
            name = st.text_input(_("Name"), runs[0]["name"], key=f"cmp.name.{runs[0]['id']}")
            if st.button(_("Rename"), key="cmp.rename"):
                store.rename(runs[0]["id"], name)
                st.rerun()
        tags = st.text_input(_("Tags (comma-separated) for the chosen runs"), key="cmp.tags")
        if st.button(_("Set tags"), key="cmp.settags"):
            for r in runs:
                store.set_tags(r["id"], [t.strip() for t in tags.split(",") if t.strip()])
            st.rerun()
        if st.button(_("Delete {n} run(s)").format(n=len(runs)), key="cmp.delete", type="secondary"):
            store.delete([r["id"] for r in runs])
            st.rerun()


def import_runs(store: RunStore | ScopedStore) -> None:
    """Upload a JSON export: checked in full, then written all at once, or rejected with why."""
    up = st.file_uploader(_("Import runs (a JSON export)"), type=["json"], key="cmp.import")
    if up is None or st.session_state.get("cmp.imported") == up.file_id:
        return
    try:
        data = json.loads(up.getvalue().decode("utf-8"))
        ids = store.import_runs(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        st.error(_("Not imported: the file is not valid JSON ({err}).").format(err=err))
        return
    except ImportRejected as err:
        st.error(_("Not imported: {err}. Nothing was written.").format(err=err))
        return
    st.session_state["cmp.imported"] = up.file_id
    st.session_state[SELECTED] = ids
    st.success(_("Imported {n} run(s): {ids}.").format(n=len(ids), ids=", ".join(f"#{i}" for i in ids)))
