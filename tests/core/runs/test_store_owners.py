"""The store's schema 2 on real SQLite files: an old file migrates (derived values leave the
config), each visitor of a public server sees only their own runs through a scoped view, and
the oldest runs go first when a limit is reached."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict

import pytest

from core.contract.config import MLPConfig
from core.engine.training import train
from core.runs.export import to_json
from core.runs.owners import ScopedStore
from core.runs.recorder import Recorder
from core.runs.store import SCHEMA_VERSION, RunStore

TINY = MLPConfig(n_samples=120, depth=2, width=8, epochs=2)


def v1_file(path) -> None:
    """A store as schema 1 wrote it: the trainer's init_used inside the config."""
    with sqlite3.connect(path) as conn:
        from core.runs.schema import _v1

        _v1(conn)
        conn.execute(
            "INSERT INTO runs (created, lab, config, layers, status) VALUES (?,?,?,?,?)",
            ("2026-01-01T00:00:00+00:00", "mlp", json.dumps({**asdict(TINY), "init_used": "he"}), '["out"]',
             "finished"),
        )  # fmt: skip
        conn.execute("INSERT INTO epochs (run_id, epoch, grad_norm) VALUES (1, 1, '{\"out\": 0.5}')")
        conn.execute("PRAGMA user_version=1")


def test_a_schema_1_file_is_migrated_and_its_runs_keep_their_numbers(tmp_path):
    path = tmp_path / "old.sqlite"
    v1_file(path)
    store = RunStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # every step since
    (run,) = store.list()
    assert run["config"] == asdict(TINY) and run["derived"] == {"init_used": "he"} and run["owner"] == ""
    loaded = store.load(run["id"])
    assert loaded["grad_norm"] == {"out": [0.5]} and loaded["grad_rms"] == {}  # not recorded back then


def record(store, cfg: MLPConfig = TINY, name: str = "") -> int:
    rec = Recorder(store, "mlp", asdict(cfg), name=name)
    history = train(cfg, on_epoch=rec.on_epoch)
    rec.finish(history)
    return rec.run_id


def test_visitors_see_and_change_only_their_own_runs(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    ann, bob = ScopedStore(store, "ann"), ScopedStore(store, "bob")
    a, b = record(ann, name="ann's"), record(bob, name="bob's")
    assert [r["id"] for r in ann.list()] == [a] and [r["id"] for r in bob.list()] == [b]
    assert ann.count() == bob.count() == 1 and store.count() == 2 and store.count("nobody") == 0
    assert ann.get(b) is None and ann.epochs(b) == []
    with pytest.raises(KeyError):
        ann.load(b)
    ann.rename(b, "hijacked")
    ann.set_tags(b, ["hijacked"])
    ann.delete([b])
    ann.mark_stopped(b)
    ann.add_epoch(b, {"epoch": 99, "grad_norm": {}})
    kept = store.load(b)
    assert kept["name"] == "bob's" and kept["tags"] == [] and kept["status"] == "finished"
    assert [e["epoch"] for e in kept["epochs"]] == [1, 2]
    ann.rename(a, "mine")  # their own they can change
    assert store.get(a)["name"] == "mine"
    # the whole store (the single user's lab, the CLI) still sees both, each with its owner
    assert {r["owner"] for r in store.list()} == {"ann", "bob"}
    with pytest.raises(ValueError):
        ScopedStore(store, "")


def test_an_import_lands_in_the_importers_runs_only(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    ann, bob = ScopedStore(store, "ann"), ScopedStore(store, "bob")
    a = record(ann)
    ids = bob.import_runs(json.loads(to_json([ann.load(a)])))
    assert [r["id"] for r in bob.list()] == ids and ann.list()[0]["id"] == a
    assert store.get(ids[0])["owner"] == "bob"


def test_the_oldest_runs_go_first_per_visitor_and_in_all(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    ann = ScopedStore(store, "ann", keep=2, keep_total=3)
    bob = ScopedStore(store, "bob", keep=2, keep_total=3)
    local = store.create("mlp", {})  # the local user's run: never dropped by visitors' limits
    first, second, third = (ann.create("mlp", {}) for _ in range(3))
    assert [r["id"] for r in ann.list()] == [third, second]  # at most 2 each: the oldest went
    b1, b2 = bob.create("mlp", {}), bob.create("mlp", {})
    visitors = [r["id"] for r in store.list() if r["owner"]]
    assert visitors == [b2, b1, third]  # at most 3 of all visitors' runs: ann's oldest went
    assert store.get(local) is not None and store.get(first) is None
