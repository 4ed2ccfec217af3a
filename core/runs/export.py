"""The export format of stored runs (RunStore.load dicts): CSV, JSON (importable back, checked
by validate_export before anything is written), TensorBoard event files."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any

from core.base.i18n import _

SCALARS = ("train_loss", "val_loss", "train_acc", "val_acc")
STATUSES = ("running", "finished", "stopped", "diverged")


class ImportRejected(ValueError):
    """A JSON import that does not follow the export format; nothing was written."""


def to_json(runs: list[dict]) -> str:
    """{"format": ..., "runs": [...]}: what RunStore.import_runs reads back."""
    return json.dumps({"format": "dl-lab-runs", "version": 1, "runs": runs})


def to_csv(runs: list[dict]) -> str:
    """One row per run and epoch: run id, name, the config fields, what the trainer derived
    (init_used, ...), the metrics, and one grad_norm/<layer> and grad_rms/<layer> column per
    layer (empty where a run has no such layer or no RMS)."""
    layers = list(dict.fromkeys(n for r in runs for n in r["layers"]))
    cfg_keys = list(dict.fromkeys(k for r in runs for k in r["config"]))
    derived_keys = list(dict.fromkeys(k for r in runs for k in r.get("derived", {})))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["run_id", "name", "lab", "status", *cfg_keys, *derived_keys, "epoch", *SCALARS]
        + [f"{kind}/{n}" for kind in ("grad_norm", "grad_rms") for n in layers]
    )
    for r in runs:
        for i, e in enumerate(r["epochs"]):
            grads = [
                r[kind][n][i] if n in (r.get(kind) or {}) else ""
                for kind in ("grad_norm", "grad_rms")
                for n in layers
            ]
            w.writerow(
                [
                    r.get("id", ""),
                    r.get("name", ""),
                    r["lab"],
                    r["status"],
                    *[r["config"].get(k, "") for k in cfg_keys],
                    *[r.get("derived", {}).get(k, "") for k in derived_keys],
                    e["epoch"],
                    *[e[k] for k in SCALARS],
                    *grads,
                ]
            )
    return out.getvalue()


def _folder_name(run: dict) -> str:
    name = re.sub(r"[^A-Za-z0-9_.=-]+", "_", run.get("name") or "")
    return f"run{run.get('id', '')}_{name}".strip("_")


def to_tensorboard(runs: list[dict], folder: str | Path) -> list[Path]:
    """Event files, one sub-folder per run: scalars (loss, accuracy), per-layer gradient norms,
    weight and gradient histograms per epoch (when the run kept them) and the hyperparameters
    with the final metrics. `tensorboard --logdir <folder>` shows them. Returns the folders."""
    import numpy as np
    from torch.utils.tensorboard import SummaryWriter

    made = []
    for run in runs:
        path = Path(folder) / _folder_name(run)
        with SummaryWriter(str(path)) as w:
            for i, e in enumerate(run["epochs"]):
                step = e["epoch"]
                w.add_scalars("loss", {"train": e["train_loss"], "val": e["val_loss"]}, step)
                w.add_scalars("accuracy", {"train": e["train_acc"], "val": e["val_acc"]}, step)
                for kind in ("grad_norm", "grad_rms"):
                    for n in run["layers"]:
                        if n in (run.get(kind) or {}):
                            w.add_scalar(f"{kind}/{n}", run[kind][n][i], step)
                for n, kinds in (e.get("hist") or {}).items():
                    for kind, h in kinds.items():
                        counts = np.asarray(h["counts"], dtype=float)
                        edges = np.linspace(h["lo"], h["hi"], len(counts) + 1)
                        centres = (edges[:-1] + edges[1:]) / 2
                        total = counts.sum()
                        if total == 0:
                            continue
                        w.add_histogram_raw(
                            f"{kind}/{n}",
                            min=float(h["lo"]),
                            max=float(h["hi"]),
                            num=int(total),
                            sum=float((counts * centres).sum()),
                            sum_squares=float((counts * centres**2).sum()),
                            bucket_limits=edges[1:].tolist(),
                            bucket_counts=counts.tolist(),
                            global_step=step,
                        )
            params = {**run["config"], **run.get("derived", {})}
            hparams = {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))}
            last = run["epochs"][-1] if run["epochs"] else {}
            metrics = {f"final/{k}": last[k] for k in SCALARS if k in last}
            if metrics:
                w.add_hparams(hparams, metrics, run_name=".")
        made.append(path)
    return made


def validate_export(data: Any) -> list[dict]:
    """The runs in an export, checked field by field; ImportRejected names the first problem."""
    if isinstance(data, dict) and "runs" in data:
        runs = data["runs"]
    elif isinstance(data, dict) and "epochs" in data:
        runs = [data]
    else:
        raise ImportRejected(_("not a run export: expected an object with 'runs' (or one run)"))
    if not isinstance(runs, list) or not runs:
        raise ImportRejected(_("'runs' must be a non-empty list"))
    for i, run in enumerate(runs):
        where = _("run {n}").format(n=i + 1)
        if not isinstance(run, dict):
            raise ImportRejected(_("{where}: not an object").format(where=where))
        for key, kind in (
            ("lab", str),
            ("config", dict),
            ("layers", list),
            ("epochs", list),
            ("grad_norm", dict),
            ("status", str),
        ):
            if not isinstance(run.get(key), kind):
                raise ImportRejected(
                    _("{where}: '{key}' missing or not a {kind}").format(
                        where=where, key=key, kind=kind.__name__
                    )
                )
        if run["status"] not in STATUSES:
            raise ImportRejected(
                _("{where}: unknown status {status!r}").format(where=where, status=run["status"])
            )
        if not all(isinstance(n, str) for n in run["layers"]):
            raise ImportRejected(_("{where}: 'layers' must be a list of names").format(where=where))
        for key in ("name", "group", "message", "created"):
            if key in run and not isinstance(run[key], str):
                raise ImportRejected(_("{where}: '{key}' must be text").format(where=where, key=key))
        if "tags" in run and not (
            isinstance(run["tags"], list) and all(isinstance(t, str) for t in run["tags"])
        ):
            raise ImportRejected(_("{where}: 'tags' must be a list of text").format(where=where))
        if "seconds" in run and not _finite(run["seconds"]):
            raise ImportRejected(_("{where}: 'seconds' is not a finite number").format(where=where))
        numbers = [e.get("epoch") if isinstance(e, dict) else None for e in run["epochs"]]
        if len(set(map(repr, numbers))) != len(numbers):
            raise ImportRejected(_("{where}: epoch numbers repeat").format(where=where))
        n = len(run["epochs"])
        if "derived" in run and not isinstance(run["derived"], dict):
            raise ImportRejected(_("{where}: 'derived' must be an object").format(where=where))
        if "grad_rms" in run and not isinstance(run["grad_rms"], dict):
            raise ImportRejected(_("{where}: 'grad_rms' must be an object").format(where=where))
        for key in ("grad_norm", "grad_rms"):
            if key == "grad_rms" and not run.get("grad_rms"):
                continue  # exports from before grad_rms existed
            for name in run["layers"]:
                series = run[key].get(name)
                if not isinstance(series, list) or len(series) != n:
                    raise ImportRejected(
                        _("{where}: {key}[{name!r}] must list one value per epoch").format(
                            where=where, key=key, name=name
                        )
                    )
                if not all(_finite(v) for v in series):
                    raise ImportRejected(
                        _("{where}: {key}[{name!r}] has a non-number").format(where=where, key=key, name=name)
                    )
        for j, e in enumerate(run["epochs"]):
            if not isinstance(e, dict) or type(e.get("epoch")) is not int or not 1 <= e["epoch"] < 2**63:
                raise ImportRejected(
                    _("{where}, epoch {n}: missing a whole 'epoch' number from 1").format(
                        where=where, n=j + 1
                    )
                )
            if "seconds" in e and e["seconds"] is not None and not _finite(e["seconds"]):
                raise ImportRejected(
                    _("{where}, epoch {n}: 'seconds' is not a finite number").format(
                        where=where, n=e["epoch"]
                    )
                )
            for k in SCALARS:
                if not _finite(e.get(k)):
                    raise ImportRejected(
                        _("{where}, epoch {n}: '{k}' is not a finite number").format(
                            where=where, n=e["epoch"], k=k
                        )
                    )
    return runs


def _finite(v: Any) -> bool:
    """A real number SQLite can hold: not bool, not NaN/inf, not an int beyond 64 bits."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if isinstance(v, int):
        return -(2**63) <= v < 2**63
    return math.isfinite(v)
