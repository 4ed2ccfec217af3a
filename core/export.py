"""Exports of stored runs (RunStore.load dicts): CSV, JSON (importable back), TensorBoard."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from core.runs import SCALARS


def to_json(runs: list[dict]) -> str:
    """{"format": ..., "runs": [...]}: what RunStore.import_runs reads back."""
    return json.dumps({"format": "dl-lab-runs", "version": 1, "runs": runs})


def to_csv(runs: list[dict]) -> str:
    """One row per run and epoch: run id, name, the config fields, the metrics and one
    grad_norm/<layer> column per layer (empty where a run has no such layer)."""
    layers = list(dict.fromkeys(n for r in runs for n in r["layers"]))
    cfg_keys = list(dict.fromkeys(k for r in runs for k in r["config"]))
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        ["run_id", "name", "lab", "status", *cfg_keys, "epoch", *SCALARS, *[f"grad_norm/{n}" for n in layers]]
    )
    for r in runs:
        for i, e in enumerate(r["epochs"]):
            grads = [r["grad_norm"][n][i] if n in r["grad_norm"] else "" for n in layers]
            w.writerow(
                [
                    r.get("id", ""),
                    r.get("name", ""),
                    r["lab"],
                    r["status"],
                    *[r["config"].get(k, "") for k in cfg_keys],
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
                for n in run["layers"]:
                    w.add_scalar(f"grad_norm/{n}", run["grad_norm"][n][i], step)
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
            hparams = {k: v for k, v in run["config"].items() if isinstance(v, (int, float, str, bool))}
            last = run["epochs"][-1] if run["epochs"] else {}
            metrics = {f"final/{k}": last[k] for k in SCALARS if k in last}
            if metrics:
                w.add_hparams(hparams, metrics, run_name=".")
        made.append(path)
    return made
