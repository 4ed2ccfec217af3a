"""The run store: every training run, epoch by epoch, in one SQLite file (WAL mode).

Finished epochs are committed as they reach the page (those that reach it together, within
0.25 s of each other, in one transaction: ui/labs/live_run.GATHER_S), so closing the tab or a Stop
loses at most the epoch in progress, and a killed process also the last 0.25 s of epochs. The
schema is versioned with PRAGMA user_version and migrated forward on open (core/runs/schema.py),
so a newer app opens an older file.

Every run has an owner. The single user's lab, the CLI and the tests use the store as a whole
(owner ""); a public server gives each visitor a `ScopedStore(store, owner, ...)`, a view that lists,
reads, changes and deletes only that owner's runs (core/runs/owners.py). core/runs/recorder.py files a
training run into either, epoch by epoch.

A corrupt or unwritable file never stops the app: open_store() falls back to an in-memory
store and says why.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.base.i18n import _
from core.base.paths import runs_db
from core.runs.export import SCALARS, ImportRejected, validate_export
from core.runs.rows import EPOCH_INSERT, epoch_record, epoch_row, export_shape, insert_runs, run_row
from core.runs.rows import now as _now
from core.runs.schema import SCHEMA_VERSION, NewerSchema, migrate

__all__ = ["SCHEMA_VERSION", "RunStore", "StoreError", "open_store"]


class StoreError(Exception):
    """The store file cannot be used; the message says why in words."""


class RunStore:
    """Runs and their epochs in SQLite. One connection, used by one thread at a time (every
    statement holds the store's lock): Streamlit runs each script run of each session on a
    thread of its own, and a connection per thread cost each visitor's Train a new connection
    (about 0.6 ms of CPU). Writers in other processes (the CLI) wait up to 10 s for each other's
    commits.

    Methods that name runs take `owner`: None reaches every run (the local lab, the CLI),
    a string only that owner's runs. Visitors of a public server get a `scoped` view instead.
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.memory = self.path == ":memory:"
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        if not self.memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._lock:
                self._migrate(self._conn())
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path} is not a usable run store ({err})") from err

    # -- connections and schema -------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """The store's connection, opened on first use (callers hold self._lock)."""
        if self._shared is not None:
            return self._shared
        if self.memory:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
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
        self._shared = conn
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        try:
            migrate(conn)
        except NewerSchema as err:
            raise StoreError(f"{self.path} was written by a newer version ({err})") from err

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
        owner: str = "",
    ) -> int:
        """A new run in status 'running'; returns its id."""
        cur = self._write(
            "INSERT INTO runs (created, lab, name, tags, grp, config, layers, owner) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                _now(),
                lab,
                name,
                json.dumps(list(tags)),
                group,
                json.dumps(config),
                json.dumps(list(layers)),
                owner,
            ),
        )
        return int(cur.lastrowid)

    def add_epoch(self, run_id: int, record: dict, layers: list[str] | None = None) -> None:
        """Commit one finished epoch (and the run's latest metrics) in one transaction."""
        self.add_epochs(run_id, [record], layers)

    def add_epochs(self, run_id: int, records: list[dict], layers: list[str] | None = None) -> None:
        """Commit finished epochs (and the run's latest metrics) in one transaction: what a page
        joining a run receives at once (core/serving/service.py), filed as one write."""
        if not records:
            return
        rows = [epoch_row(run_id, record) for record in records]
        last = records[-1]
        vals = [last.get(k) for k in SCALARS]
        with self._lock, self._conn() as conn:
            conn.executemany(EPOCH_INSERT, rows)
            conn.execute(
                "UPDATE runs SET n_epochs=?, seconds=?, train_loss=?, train_acc=?, val_loss=?, val_acc=?"
                + (", layers=?" if layers else "")
                + " WHERE id=?",
                (
                    last["epoch"],
                    last.get("seconds") or 0,
                    vals[0],
                    vals[2],
                    vals[1],
                    vals[3],
                    *([json.dumps(layers)] if layers else []),
                    run_id,
                ),
            )

    def finish(
        self, run_id: int, status: str, seconds: float, message: str = "", derived: dict | None = None
    ) -> None:
        """Record how the run ended (finished, stopped, diverged) and what the trainer derived."""
        self._write(
            "UPDATE runs SET status=?, seconds=?, message=?"
            + (", derived=?" if derived is not None else "")
            + " WHERE id=?",
            (status, seconds, message, *([json.dumps(derived)] if derived is not None else []), run_id),
        )

    def rename(self, run_id: int, name: str, owner: str | None = None) -> None:
        self._write("UPDATE runs SET name=? WHERE id=?" + _mine(owner), (name, run_id, *_who(owner)))

    def set_tags(self, run_id: int, tags: Iterable[str], owner: str | None = None) -> None:
        self._write(
            "UPDATE runs SET tags=? WHERE id=?" + _mine(owner),
            (json.dumps(sorted(set(tags))), run_id, *_who(owner)),
        )

    def delete(self, run_ids: Iterable[int], owner: str | None = None) -> None:
        ids = list(run_ids)
        if ids:
            marks = ",".join("?" * len(ids))
            self._write(f"DELETE FROM runs WHERE id IN ({marks})" + _mine(owner), [*ids, *_who(owner)])

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

    def prune(self, owner: str, keep: int, keep_total: int) -> int:
        """Delete the oldest runs beyond `keep` of this owner's and beyond `keep_total` of all
        visitors' runs (owner not ''); returns how many went."""
        gone = self._write(
            "DELETE FROM runs WHERE owner=? AND id NOT IN "
            "(SELECT id FROM runs WHERE owner=? ORDER BY id DESC LIMIT ?)",
            (owner, owner, keep),
        ).rowcount
        gone += self._write(
            "DELETE FROM runs WHERE owner!='' AND id NOT IN "
            "(SELECT id FROM runs WHERE owner!='' ORDER BY id DESC LIMIT ?)",
            (keep_total,),
        ).rowcount
        return gone

    # -- reading ----------------------------------------------------------------------------
    def list(
        self,
        lab: str | None = None,
        status: str | None = None,
        group: str | None = None,
        since: str | None = None,
        limit: int = 1000,
        owner: str | None = None,
    ) -> list[dict]:
        """Runs, newest first, as flat dicts (config, derived and tags decoded)."""
        where, args = [], []
        for col, val in (("lab", lab), ("status", status), ("grp", group)):
            if val:
                where.append(f"{col}=?")
                args.append(val)
        if since:
            where.append("created >= ?")
            args.append(since)
        if owner is not None:
            where.append("owner=?")
            args.append(owner)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._read(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [run_row(r) for r in rows]

    def count(self, owner: str | None = None) -> int:
        """How many runs (of `owner`, or all), without reading them."""
        sql = "SELECT COUNT(*) FROM runs" + (" WHERE owner=?" if owner is not None else "")
        return int(self._read(sql, _who(owner))[0][0])

    def get(self, run_id: int, owner: str | None = None) -> dict | None:
        rows = self._read("SELECT * FROM runs WHERE id=?" + _mine(owner), (run_id, *_who(owner)))
        return run_row(rows[0]) if rows else None

    def epochs(self, run_id: int, detail: bool = False) -> list[dict]:
        """Per-epoch records in the trainer's shape (grad_norm, grad_rms; act/hist with detail)."""
        cols = "epoch, train_loss, val_loss, train_acc, val_acc, seconds, grad_norm, grad_rms" + (
            ", detail" if detail else ""
        )
        rows = self._read(f"SELECT {cols} FROM epochs WHERE run_id=? ORDER BY epoch", (run_id,))
        return [epoch_record(r, detail) for r in rows]

    def load(self, run_id: int, detail: bool = True, owner: str | None = None) -> dict:
        """One run in the CLI/export JSON shape: config, derived, status, layers, epochs,
        grad_norm and grad_rms (layer -> per epoch; grad_rms empty for runs stored before it)."""
        run = self.get(run_id, owner)
        if run is None:
            raise KeyError(run_id)
        return export_shape(run_id, run, self.epochs(run_id, detail=detail))

    # -- import -----------------------------------------------------------------------------
    def import_runs(self, data: Any, owner: str = "", suffix: str = " (imported)") -> list[int]:
        """Import an export ({"runs": [...]}) or one run; validates everything first and
        writes all or nothing. Raises ImportRejected with the reason."""
        runs = validate_export(data)
        try:
            return self._insert_runs(runs, owner, suffix)
        except (sqlite3.Error, TypeError, ValueError, OverflowError) as err:  # rolled back
            raise ImportRejected(_("the data could not be stored ({err})").format(err=err)) from err

    def _insert_runs(self, runs: list[dict], owner: str, suffix: str) -> list[int]:
        with self._lock, self._conn() as conn:  # one transaction: all runs or none
            return insert_runs(conn, runs, owner, suffix)


def open_store(path: str | Path | None = None) -> tuple[RunStore, str | None]:
    """The store at `path` (default: paths.runs_db()), or an in-memory store and the reason when
    the file is corrupt, unwritable or from a newer version."""
    path = Path(path) if path else runs_db()
    try:
        store = RunStore(path)
        store._write("DELETE FROM runs WHERE id = -1")  # changes nothing, but needs write access
        return store, None
    except (StoreError, sqlite3.Error, OSError) as err:
        return RunStore(":memory:"), _(
            "The run store {path} cannot be used ({err}). Runs are kept in memory for this session "
            "only; set LAB_RUNS_DB to a writable file to keep them."
        ).format(path=path, err=err)


def _mine(owner: str | None) -> str:
    return "" if owner is None else " AND owner=?"


def _who(owner: str | None) -> tuple:
    return () if owner is None else (owner,)
