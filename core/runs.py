"""The run store: every training run, epoch by epoch, in one SQLite file (WAL mode).

Each finished epoch is its own committed transaction, so closing the tab, a Stop or a killed
process loses at most the epoch in progress. The file's location comes from LAB_RUNS_DB,
defaulting to a per-user data folder. The schema is versioned with PRAGMA user_version and
migrated forward on open, so a newer app opens an older file.

A corrupt or unwritable file never stops the app: open_store() falls back to an in-memory
store and says why.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SCALARS = ("train_loss", "val_loss", "train_acc", "val_acc")
MIGRATIONS = {
    1: """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created TEXT NOT NULL,              -- ISO 8601, UTC
        lab TEXT NOT NULL,                  -- "mlp", "cnn", ...
        name TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',    -- JSON list of strings
        grp TEXT NOT NULL DEFAULT '',       -- runs filed together by one comparison or sweep
        config TEXT NOT NULL,               -- JSON: the lab config's public field names
        layers TEXT NOT NULL DEFAULT '[]',  -- JSON list, input to output
        status TEXT NOT NULL DEFAULT 'running',
        message TEXT NOT NULL DEFAULT '',
        seconds REAL NOT NULL DEFAULT 0,
        n_epochs INTEGER NOT NULL DEFAULT 0,
        train_loss REAL, val_loss REAL, train_acc REAL, val_acc REAL
    );
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        train_loss REAL, val_loss REAL, train_acc REAL, val_acc REAL, seconds REAL,
        grad_norm TEXT NOT NULL,            -- JSON {layer: norm}
        detail TEXT NOT NULL DEFAULT '{}',  -- JSON {act, hist}
        PRIMARY KEY (run_id, epoch)
    );
    CREATE INDEX runs_created ON runs(created);
    """,
}


def data_dir() -> Path:
    """The lab's data folder: LAB_DATA_DIR, else $XDG_DATA_HOME/dl-lab (~/.local/share/dl-lab)."""
    if env := os.environ.get("LAB_DATA_DIR"):
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "dl-lab"


def default_path() -> Path:
    """The run store file: LAB_RUNS_DB, else runs.sqlite in data_dir()."""
    if env := os.environ.get("LAB_RUNS_DB"):
        return Path(env).expanduser()
    return data_dir() / "runs.sqlite"


class StoreError(Exception):
    """The store file cannot be used; the message says why in words."""


class ImportRejected(ValueError):
    """A JSON import that does not follow the export format; nothing was written."""


class RunStore:
    """Runs and their epochs in SQLite. One connection per thread (Streamlit serves each
    session from its own thread); writers wait up to 10 s for each other's commits."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.memory = self.path == ":memory:"
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None  # an in-memory store has one connection
        self._lock = threading.RLock()
        if not self.memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._migrate(self._conn())
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path} is not a usable run store ({err})") from err

    # -- connections and schema -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self.memory:
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False)
                self._shared.execute("PRAGMA foreign_keys=ON")
            return self._shared
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10)
            for attempt in range(100):  # switching a new file to WAL needs a moment alone with it
                try:
                    conn.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
                    break
                except sqlite3.OperationalError as err:
                    if "locked" not in str(err) or attempt == 99:
                        raise
                    time.sleep(0.05)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a killed process
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the file to SCHEMA_VERSION in one locked transaction, re-reading the version
        inside it, so two sessions opening a new file at once cannot both create the tables."""
        conn.execute("BEGIN IMMEDIATE")
        committed = False
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer version (schema {version})")
            for v in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[v].split(";")):
                    conn.execute(statement)  # not executescript: it would commit first
                conn.execute(f"PRAGMA user_version={v}")
            conn.commit()
            committed = True
        finally:
            if not committed:  # any failure or interruption: leave the file as it was
                conn.rollback()

    def _write(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock, self._conn() as conn:  # one transaction, committed on exit
            return conn.execute(sql, tuple(args))

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            conn = self._conn()
            conn.row_factory = sqlite3.Row
            try:
                return conn.execute(sql, tuple(args)).fetchall()
            finally:
                conn.row_factory = None

    # -- writing a run ----------------------------------------------------------------------
    def create(
        self,
        lab: str,
        config: dict,
        layers: list[str] = (),
        name: str = "",
        tags: Iterable[str] = (),
        group: str = "",
    ) -> int:
        """A new run in status 'running'; returns its id."""
        cur = self._write(
            "INSERT INTO runs (created, lab, name, tags, grp, config, layers) VALUES (?,?,?,?,?,?,?)",
            (_now(), lab, name, json.dumps(list(tags)), group, json.dumps(config), json.dumps(list(layers))),
        )
        return int(cur.lastrowid)

    def add_epoch(self, run_id: int, record: dict, layers: list[str] | None = None) -> None:
        """Commit one finished epoch (and the run's latest metrics) in one transaction."""
        detail = {k: record[k] for k in ("act", "hist") if k in record}
        vals = [record.get(k) for k in SCALARS]
        with self._lock, self._conn() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO epochs VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    record["epoch"],
                    *vals,
                    record.get("seconds"),
                    json.dumps(record["grad_norm"]),
                    json.dumps(detail),
                ),
            )
            conn.execute(
                "UPDATE runs SET n_epochs=?, seconds=?, train_loss=?, train_acc=?, val_loss=?, val_acc=?"
                + (", layers=?" if layers else "")
                + " WHERE id=?",
                (
                    record["epoch"],
                    record.get("seconds") or 0,
                    vals[0],
                    vals[2],
                    vals[1],
                    vals[3],
                    *([json.dumps(layers)] if layers else []),
                    run_id,
                ),
            )

    def finish(
        self, run_id: int, status: str, seconds: float, message: str = "", config: dict | None = None
    ) -> None:
        """Record how the run ended (finished, stopped, diverged)."""
        self._write(
            "UPDATE runs SET status=?, seconds=?, message=?"
            + (", config=?" if config else "")
            + " WHERE id=?",
            (status, seconds, message, *([json.dumps(config)] if config else []), run_id),
        )

    def rename(self, run_id: int, name: str) -> None:
        self._write("UPDATE runs SET name=? WHERE id=?", (name, run_id))

    def set_tags(self, run_id: int, tags: Iterable[str]) -> None:
        self._write("UPDATE runs SET tags=? WHERE id=?", (json.dumps(sorted(set(tags))), run_id))

    def delete(self, run_ids: Iterable[int]) -> None:
        ids = list(run_ids)
        if ids:
            self._write(f"DELETE FROM runs WHERE id IN ({','.join('?' * len(ids))})", ids)

    def mark_stopped(self, run_id: int, message: str = "Stopped by the user.") -> None:
        """A run whose loop was interrupted (Stop, a closed tab) keeps its committed epochs."""
        self._write(
            "UPDATE runs SET status='stopped', message=? WHERE id=? AND status='running'", (message, run_id)
        )

    def mark_interrupted(self, older_than_s: float = 0) -> int:
        """Runs left 'running' by a closed tab or a dead process become 'stopped'."""
        cutoff = datetime.fromtimestamp(time.time() - older_than_s, UTC).isoformat()
        return self._write(
            "UPDATE runs SET status='stopped', message='Interrupted.' WHERE status='running' AND created < ?",
            (cutoff,),
        ).rowcount

    # -- reading ----------------------------------------------------------------------------
    def list(
        self,
        lab: str | None = None,
        status: str | None = None,
        group: str | None = None,
        since: str | None = None,
        limit: int = 1000,
    ) -> list[dict]:
        """Runs, newest first, as flat dicts (config and tags decoded)."""
        where, args = [], []
        for col, val in (("lab", lab), ("status", status), ("grp", group)):
            if val:
                where.append(f"{col}=?")
                args.append(val)
        if since:
            where.append("created >= ?")
            args.append(since)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._read(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [_run_row(r) for r in rows]

    def get(self, run_id: int) -> dict | None:
        rows = self._read("SELECT * FROM runs WHERE id=?", (run_id,))
        return _run_row(rows[0]) if rows else None

    def epochs(self, run_id: int, detail: bool = False) -> list[dict]:
        """Per-epoch records in the trainer's shape (grad_norm decoded; act/hist with detail)."""
        cols = "epoch, train_loss, val_loss, train_acc, val_acc, seconds, grad_norm" + (
            ", detail" if detail else ""
        )
        out = []
        for r in self._read(f"SELECT {cols} FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,)):
            rec = {k: r[k] for k in ("epoch", *SCALARS, "seconds")}
            rec["grad_norm"] = json.loads(r["grad_norm"])
            if detail:
                rec.update(json.loads(r["detail"]))
            out.append(rec)
        return out

    def load(self, run_id: int, detail: bool = True) -> dict:
        """One run in the CLI/export JSON shape: config, status, layers, epochs, grad_norm."""
        run = self.get(run_id)
        if run is None:
            raise KeyError(run_id)
        eps = self.epochs(run_id, detail=detail)
        layers = run["layers"]
        return {
            "id": run_id,
            "lab": run["lab"],
            "name": run["name"],
            "tags": run["tags"],
            "group": run["group"],
            "created": run["created"],
            "config": run["config"],
            "status": run["status"],
            "message": run["message"],
            "seconds": run["seconds"],
            "layers": layers,
            "epochs": [{k: v for k, v in e.items() if k != "grad_norm"} for e in eps],
            "grad_norm": {n: [e["grad_norm"].get(n) for e in eps] for n in layers},
        }

    # -- import -----------------------------------------------------------------------------
    def import_runs(self, data: Any) -> list[int]:
        """Import an export ({"runs": [...]}) or one run; validates everything first and
        writes all or nothing. Raises ImportRejected with the reason."""
        runs = validate_export(data)
        try:
            return self._insert_runs(runs)
        except (sqlite3.Error, TypeError, ValueError, OverflowError) as err:  # rolled back
            raise ImportRejected(f"the data could not be stored ({err})") from err

    def _insert_runs(self, runs: list[dict]) -> list[int]:
        ids = []
        with self._lock, self._conn() as conn:  # one transaction: all runs or none
            for run in runs:
                cur = conn.execute(
                    "INSERT INTO runs (created, lab, name, tags, grp, config, layers, status, message, "
                    "seconds, n_epochs) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        run.get("created") or _now(),
                        run["lab"],
                        run.get("name", "") + " (imported)",
                        json.dumps(run.get("tags", [])),
                        run.get("group", ""),
                        json.dumps(run["config"]),
                        json.dumps(run["layers"]),
                        run["status"],
                        run.get("message", ""),
                        float(run.get("seconds", 0)),
                        len(run["epochs"]),
                    ),
                )
                rid = int(cur.lastrowid)
                for i, e in enumerate(run["epochs"]):
                    grads = {n: run["grad_norm"][n][i] for n in run["layers"]}
                    detail = {k: e[k] for k in ("act", "hist") if k in e}
                    conn.execute(
                        "INSERT INTO epochs VALUES (?,?,?,?,?,?,?,?,?)",
                        (
                            rid,
                            e["epoch"],
                            *[e[k] for k in SCALARS],
                            e.get("seconds"),
                            json.dumps(grads),
                            json.dumps(detail),
                        ),
                    )
                if run["epochs"]:
                    last = run["epochs"][-1]
                    conn.execute(
                        "UPDATE runs SET train_loss=?, val_loss=?, train_acc=?, val_acc=? WHERE id=?",
                        (*[last[k] for k in SCALARS], rid),
                    )
                ids.append(rid)
        return ids


class Recorder:
    """Files a training run in the store as it goes: pass `on_epoch` to train(), then `finish`."""

    def __init__(
        self,
        store: RunStore,
        lab: str,
        config: dict,
        name: str = "",
        tags: Iterable[str] = (),
        group: str = "",
    ) -> None:
        self.store = store
        self.run_id = store.create(lab, config, name=name, tags=tags, group=group)
        self._layers_saved = False

    def on_epoch(self, record: dict, layers: list[str]) -> None:
        """Commit one epoch; the layer names go with the first."""
        self.store.add_epoch(self.run_id, record, None if self._layers_saved else layers)
        self._layers_saved = True

    def finish(self, history: Any) -> None:
        """Record the ending (status, seconds, message, the config as trained)."""
        self.store.finish(self.run_id, history.status, history.seconds, history.message, history.config)


def validate_export(data: Any) -> list[dict]:
    """The runs in an export, checked field by field; ImportRejected names the first problem."""
    if isinstance(data, dict) and "runs" in data:
        runs = data["runs"]
    elif isinstance(data, dict) and "epochs" in data:
        runs = [data]
    else:
        raise ImportRejected("not a run export: expected an object with 'runs' (or one run)")
    if not isinstance(runs, list) or not runs:
        raise ImportRejected("'runs' must be a non-empty list")
    for i, run in enumerate(runs):
        where = f"run {i + 1}"
        if not isinstance(run, dict):
            raise ImportRejected(f"{where}: not an object")
        for key, kind in (
            ("lab", str),
            ("config", dict),
            ("layers", list),
            ("epochs", list),
            ("grad_norm", dict),
            ("status", str),
        ):
            if not isinstance(run.get(key), kind):
                raise ImportRejected(f"{where}: '{key}' missing or not a {kind.__name__}")
        if run["status"] not in ("running", "finished", "stopped", "diverged"):
            raise ImportRejected(f"{where}: unknown status {run['status']!r}")
        if not all(isinstance(n, str) for n in run["layers"]):
            raise ImportRejected(f"{where}: 'layers' must be a list of names")
        for key in ("name", "group", "message", "created"):
            if key in run and not isinstance(run[key], str):
                raise ImportRejected(f"{where}: '{key}' must be text")
        if "tags" in run and not (
            isinstance(run["tags"], list) and all(isinstance(t, str) for t in run["tags"])
        ):
            raise ImportRejected(f"{where}: 'tags' must be a list of text")
        if "seconds" in run and not _finite(run["seconds"]):
            raise ImportRejected(f"{where}: 'seconds' is not a finite number")
        numbers = [e.get("epoch") if isinstance(e, dict) else None for e in run["epochs"]]
        if len(set(map(repr, numbers))) != len(numbers):
            raise ImportRejected(f"{where}: epoch numbers repeat")
        n = len(run["epochs"])
        for name in run["layers"]:
            series = run["grad_norm"].get(name)
            if not isinstance(series, list) or len(series) != n:
                raise ImportRejected(f"{where}: grad_norm[{name!r}] must list one value per epoch")
            if not all(_finite(v) for v in series):
                raise ImportRejected(f"{where}: grad_norm[{name!r}] has a non-number")
        for j, e in enumerate(run["epochs"]):
            if not isinstance(e, dict) or type(e.get("epoch")) is not int or not 1 <= e["epoch"] < 2**63:
                raise ImportRejected(f"{where}, epoch {j + 1}: missing a whole 'epoch' number from 1")
            if "seconds" in e and e["seconds"] is not None and not _finite(e["seconds"]):
                raise ImportRejected(f"{where}, epoch {e['epoch']}: 'seconds' is not a finite number")
            for k in SCALARS:
                if not _finite(e.get(k)):
                    raise ImportRejected(f"{where}, epoch {e['epoch']}: '{k}' is not a finite number")
    return runs


def open_store(path: str | Path | None = None) -> tuple[RunStore, str | None]:
    """The store at `path` (default_path()), or an in-memory store and the reason when the
    file is corrupt, unwritable or from a newer version."""
    path = Path(path) if path else default_path()
    try:
        store = RunStore(path)
        store._write("DELETE FROM runs WHERE id = -1")  # changes nothing, but needs write access
        return store, None
    except (StoreError, sqlite3.Error, OSError) as err:
        return RunStore(":memory:"), (
            f"The run store {path} cannot be used ({err}). Runs are kept in memory for this "
            "session only; set LAB_RUNS_DB to a writable file to keep them."
        )


def _finite(v: Any) -> bool:
    """A real number SQLite can hold: not bool, not NaN/inf, not an int beyond 64 bits."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if isinstance(v, int):
        return -(2**63) <= v < 2**63
    return math.isfinite(v)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _run_row(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["config"], d["tags"], d["layers"] = (
        json.loads(d["config"]),
        json.loads(d["tags"]),
        json.loads(d["layers"]),
    )
    d["group"] = d.pop("grp")
    return d
