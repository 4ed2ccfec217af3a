"""The run store's rows and the shapes they stand for: an epoch's row (its JSON parts serialized
once for every page that files them) and the epoch record read back from it, a run's row read
back, an imported export's rows and a stored run in the export shape. Used by
core/runs/store.py, under its lock."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from core.contract.config import DERIVED
from core.runs.export import SCALARS

EPOCH_INSERT = (
    "INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, val_loss, train_acc, val_acc, "
    "seconds, grad_norm, detail, grad_rms) VALUES (?,?,?,?,?,?,?,?,?,?)"
)


class DumpsOnce:
    """json.dumps of an epoch's parts, once per object: the pages of a class joined to one
    training each file its epochs in their own rows, and the parts they receive are the same
    objects (core/serving/service.py gives each page a shallow copy of a record), so each is
    serialized once, not once per page. Keyed by identity, holding the object (its id cannot be
    reused while it is here); epochs' parts are never changed once made."""

    def __init__(self, size: int = 2048) -> None:
        self.size, self._memo, self._lock = size, OrderedDict(), threading.Lock()

    def __call__(self, obj: Any) -> str:
        with self._lock:
            hit = self._memo.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
        text = json.dumps(obj)
        with self._lock:
            self._memo[id(obj)] = (obj, text)
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return text


dumps_once = DumpsOnce()


def epoch_row(run_id: int, record: dict, dumps: Callable[[Any], str] = dumps_once) -> tuple:
    """The epochs table's row of one epoch record (EPOCH_INSERT's values): its scalars, and its
    grad_norm, detail ({"act", "hist"}, the keys it has) and grad_rms as JSON."""
    detail = "{" + ", ".join(f'"{k}": {dumps(record[k])}' for k in ("act", "hist") if k in record) + "}"
    return (
        run_id,
        record["epoch"],
        *[record.get(k) for k in SCALARS],
        record.get("seconds"),
        dumps(record["grad_norm"]),
        detail,
        dumps(record["grad_rms"]) if "grad_rms" in record else "{}",
    )


def epoch_record(r: sqlite3.Row, detail: bool = False) -> dict:
    """An epochs row read back in the trainer's shape (grad_norm, grad_rms; act/hist with detail)."""
    rec = {k: r[k] for k in ("epoch", *SCALARS, "seconds")}
    rec["grad_norm"] = json.loads(r["grad_norm"])
    rec["grad_rms"] = json.loads(r["grad_rms"])
    if detail:
        rec.update(json.loads(r["detail"]))
    return rec


def run_row(r: sqlite3.Row) -> dict:
    """A runs row read back: its JSON columns parsed, `grp` named `group`."""
    d = dict(r)
    for key in ("config", "tags", "layers", "derived"):
        d[key] = json.loads(d[key])
    d["group"] = d.pop("grp")
    return d


def export_shape(run_id: int, run: dict, eps: list[dict]) -> dict:
    """A stored run (run_row) and its epochs (epoch_record) in the CLI/export JSON shape: grad_norm
    and grad_rms as layer -> per epoch (grad_rms empty for runs stored before it)."""
    layers = run["layers"]
    has_rms = bool(eps) and all(set(layers) <= set(e["grad_rms"]) for e in eps)
    return {
        "id": run_id,
        "lab": run["lab"],
        "name": run["name"],
        "tags": run["tags"],
        "group": run["group"],
        "created": run["created"],
        "config": run["config"],
        "derived": run["derived"],
        "status": run["status"],
        "message": run["message"],
        "seconds": run["seconds"],
        "layers": layers,
        "epochs": [{k: v for k, v in e.items() if k not in ("grad_norm", "grad_rms")} for e in eps],
        "grad_norm": {n: [e["grad_norm"].get(n) for e in eps] for n in layers},
        "grad_rms": {n: [e["grad_rms"][n] for e in eps] for n in layers} if has_rms else {},
    }


def now() -> str:
    """The store's timestamps: UTC, ISO 8601 to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def insert_runs(conn: sqlite3.Connection, runs: list[dict], owner: str, suffix: str) -> list[int]:
    """Write validated exported runs (core/runs/export.validate_export) and their epochs on
    `conn`, in the caller's transaction; returns their new ids."""
    ids = []
    for run in runs:
        config = dict(run["config"])
        derived = {**{k: config.pop(k) for k in DERIVED if k in config}, **run.get("derived", {})}
        cur = conn.execute(
            "INSERT INTO runs (created, lab, name, tags, grp, config, layers, status, message, "
            "seconds, n_epochs, derived, owner) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run.get("created") or now(),
                run["lab"],
                run.get("name", "") + suffix,
                json.dumps(run.get("tags", [])),
                run.get("group", ""),
                json.dumps(config),
                json.dumps(run["layers"]),
                run["status"],
                run.get("message", ""),
                float(run.get("seconds", 0)),
                len(run["epochs"]),
                json.dumps(derived),
                owner,
            ),
        )
        rid = int(cur.lastrowid)
        rms = run.get("grad_rms") or {}
        for i, e in enumerate(run["epochs"]):
            record = {
                "epoch": e["epoch"],
                **{k: e[k] for k in SCALARS},
                "seconds": e.get("seconds"),
                "grad_norm": {n: run["grad_norm"][n][i] for n in run["layers"]},
                **({"grad_rms": {n: rms[n][i] for n in run["layers"]}} if rms else {}),
                **{k: e[k] for k in ("act", "hist") if k in e},
            }
            conn.execute(EPOCH_INSERT, epoch_row(rid, record, json.dumps))  # new objects: no memo
        if run["epochs"]:
            last = run["epochs"][-1]
            conn.execute(
                "UPDATE runs SET train_loss=?, val_loss=?, train_acc=?, val_acc=? WHERE id=?",
                (*[last[k] for k in SCALARS], rid),
            )
        ids.append(rid)
    return ids
