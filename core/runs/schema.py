"""The run store's schema (core/runs/store.py): one function per version, applied in order.

The file carries its version in PRAGMA user_version; `migrate` brings an older file forward in one
locked transaction, so a newer app opens an older file and two sessions opening a new file at once
cannot both create the tables. A new version: add `_vN`, list it in MIGRATIONS, raise SCHEMA_VERSION;
never change an earlier one (files in the wild were made with it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from core.contract.config import DERIVED

SCHEMA_VERSION = 3


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE runs (
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
        train_loss REAL, val_loss REAL, train_acc REAL, val_acc REAL)"""
    )
    conn.execute(
        """CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        train_loss REAL, val_loss REAL, train_acc REAL, val_acc REAL, seconds REAL,
        grad_norm TEXT NOT NULL,            -- JSON {layer: norm}
        detail TEXT NOT NULL DEFAULT '{}',  -- JSON {act, hist}
        PRIMARY KEY (run_id, epoch))"""
    )
    conn.execute("CREATE INDEX runs_created ON runs(created)")


def _v2(conn: sqlite3.Connection) -> None:
    """Derived values beside the config, per-weight RMS gradients, and an owner per run."""
    conn.execute("ALTER TABLE runs ADD COLUMN derived TEXT NOT NULL DEFAULT '{}'")  # JSON
    conn.execute("ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''")  # '' = the local user
    conn.execute("ALTER TABLE epochs ADD COLUMN grad_rms TEXT NOT NULL DEFAULT '{}'")  # JSON {layer: rms}
    conn.execute("CREATE INDEX runs_owner ON runs(owner, id)")
    for rid, text in conn.execute("SELECT id, config FROM runs").fetchall():  # move derived keys out
        config = json.loads(text)
        derived = {k: config.pop(k) for k in DERIVED if k in config}
        if derived:
            sql = "UPDATE runs SET config=?, derived=? WHERE id=?"
            conn.execute(sql, (json.dumps(config), json.dumps(derived), rid))


def _v3(conn: sqlite3.Connection) -> None:
    """The class board (core/runs/board.py): boards, one per lesson, and the runs published on them."""
    conn.execute(
        """CREATE TABLE boards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created TEXT NOT NULL,              -- ISO 8601, UTC
        title TEXT NOT NULL DEFAULT '')"""
    )
    conn.execute(
        """CREATE TABLE board_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        board INTEGER NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,  -- deleting a run withdraws it
        owner TEXT NOT NULL,                -- the run's owner, who alone may withdraw it
        nickname TEXT NOT NULL,             -- plain text, checked by board.clean_nickname
        published TEXT NOT NULL,            -- ISO 8601, UTC
        hidden INTEGER NOT NULL DEFAULT 0,  -- hidden by the teacher
        UNIQUE (board, run_id))"""
    )
    conn.execute("CREATE INDEX board_runs_board ON board_runs(board, id)")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1, 2: _v2, 3: _v3}


class NewerSchema(Exception):
    """The file was written by a newer version of the lab."""


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to SCHEMA_VERSION in one locked transaction, re-reading the version inside
    it; any failure or interruption leaves the file as it was. Raises NewerSchema."""
    conn.execute("BEGIN IMMEDIATE")
    committed = False
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerSchema(f"schema {version}")
        for v in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[v](conn)  # plain statements: executescript would commit first
            conn.execute(f"PRAGMA user_version={v}")
        conn.commit()
        committed = True
    finally:
        if not committed:
            conn.rollback()
