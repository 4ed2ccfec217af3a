"""The run store on real SQLite files: round trips of real runs, schema and migration, concurrent
writers (threads and processes), a killed process, fallbacks to memory, and imports."""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.base.paths import runs_db as default_path
from core.contract.config import MLPConfig
from core.engine.training import History, train
from core.runs.export import SCALARS, ImportRejected, to_json, validate_export
from core.runs.recorder import Recorder
from core.runs.store import SCHEMA_VERSION, RunStore, open_store

HERE = Path(__file__).resolve().parent
TINY = MLPConfig(dataset="spiral", n_samples=200, depth=2, width=16, epochs=3)

_spec = importlib.util.spec_from_file_location("helper_store_writer", HERE / "helper_store_writer.py")
writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(writer)


def normal(x):
    """x as JSON gives it back (tuples become lists), for comparing stored detail."""
    return json.loads(json.dumps(x))


def record_run(store: RunStore, cfg: MLPConfig = TINY, **kw) -> tuple[int, History]:
    """Train cfg for real, filing every epoch through a Recorder as the app does."""
    rec = Recorder(store, "mlp", asdict(cfg), **kw)
    history = History(config={}, layers=[])
    train(cfg, history=history, on_epoch=rec.on_epoch)
    rec.finish(history)
    return rec.run_id, history


def count(path: Path, table: str = "runs") -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def synthetic_run(n_epochs: int = 2, layers=("layer1", "out"), **kw) -> dict:
    """A valid run in the export shape, built by hand."""
    epochs = [
        {
            "epoch": e,
            "train_loss": 1.0 / e,
            "val_loss": 1.5 / e,
            "train_acc": 0.5,
            "val_acc": 0.25,
            "seconds": e,
        }
        for e in range(1, n_epochs + 1)
    ]
    run = {
        "lab": "mlp",
        "name": "hand-made",
        "config": {"depth": len(layers) - 1},
        "status": "finished",
        "layers": list(layers),
        "epochs": epochs,
        "grad_norm": {n: [0.1 * (i + 1) * e for e in range(1, n_epochs + 1)] for i, n in enumerate(layers)},
    }
    run.update(kw)
    return run


# -- where the file lives -------------------------------------------------------------------------
def test_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "x" / "mine.sqlite"))
    assert default_path() == tmp_path / "x" / "mine.sqlite"
    monkeypatch.setenv("LAB_RUNS_DB", "~/lab.sqlite")
    assert default_path() == Path.home() / "lab.sqlite"
    monkeypatch.delenv("LAB_RUNS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "dl-lab" / "runs.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_path() == Path.home() / ".local" / "share" / "dl-lab" / "runs.sqlite"


def test_open_store_uses_lab_runs_db(monkeypatch, tmp_path):
    db = tmp_path / "deep" / "er" / "runs.sqlite"
    monkeypatch.setenv("LAB_RUNS_DB", str(db))
    store, warning = open_store()
    assert warning is None
    assert not store.memory and Path(store.path) == db
    rid = store.create("mlp", {"depth": 1})
    assert db.is_file()
    assert count(db) == 1 and rid == 1


# -- a real run, epoch by epoch ---------------------------------------------------------------------
def test_recorded_run_round_trip(tmp_path):
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    watcher = RunStore(db)  # another object: its own connections, sees only what was committed
    rec = Recorder(store, "mlp", asdict(TINY), name="first", tags=["b", "a"], group="g1")
    before = watcher.get(rec.run_id)
    assert before["status"] == "running" and before["n_epochs"] == 0 and before["layers"] == []
    assert watcher.epochs(rec.run_id) == []

    history = History(config={}, layers=[])
    seen = []

    def on_epoch(r: dict) -> None:
        rec.on_epoch(r)
        row = watcher.get(rec.run_id)  # committed at once, visible to another connection
        seen.append((row["status"], row["n_epochs"], len(watcher.epochs(rec.run_id)), row["val_loss"]))

    train(TINY, history=history, on_epoch=on_epoch)
    rec.finish(history)
    assert history.status == "finished" and len(history.epochs) == TINY.epochs
    assert seen == [("running", e, e, history.epochs[e - 1]["val_loss"]) for e in (1, 2, 3)]

    for s in (store, RunStore(db)):  # the writer and a fresh open of the file agree
        run = s.get(rec.run_id)
        assert run["id"] == rec.run_id
        assert run["lab"] == "mlp" and run["name"] == "first"
        assert sorted(run["tags"]) == ["a", "b"] and run["group"] == "g1"
        assert run["status"] == "finished" and run["message"] == history.message
        assert run["config"] == history.config and run["derived"]["init_used"] == "he"
        assert "init_used" not in run["config"]
        assert run["layers"] == history.layers == ["layer1", "layer2", "out"]
        assert run["n_epochs"] == 3
        assert run["seconds"] == history.seconds
        for k in SCALARS:
            assert run[k] == history.epochs[-1][k]
        created = datetime.fromisoformat(run["created"])
        assert created.utcoffset() == timedelta(0)
        assert abs((datetime.now(created.tzinfo) - created).total_seconds()) < 600

        eps = s.epochs(rec.run_id)
        assert [e["epoch"] for e in eps] == [1, 2, 3]
        for e, r in zip(eps, history.epochs):
            assert set(e) == {"epoch", *SCALARS, "seconds", "grad_norm", "grad_rms"}
            for k in (*SCALARS, "seconds", "grad_norm", "grad_rms"):
                assert e[k] == r[k]
        for e, r in zip(s.epochs(rec.run_id, detail=True), history.epochs):
            assert e["act"] == normal(r["act"]) and e["hist"] == normal(r["hist"])

        loaded = s.load(rec.run_id)
        assert loaded["grad_norm"] == history.grad_norm()
        assert loaded["grad_rms"] == history.grad_rms() and loaded["derived"] == history.derived
        assert loaded["epochs"] == normal(history.to_dict()["epochs"])
        keys = ("lab", "config", "derived", "status", "layers", "grad_norm", "grad_rms")
        assert {k: loaded[k] for k in keys} == {k: history.to_dict()[k] for k in keys}
        light = s.load(rec.run_id, detail=False)
        assert light["grad_norm"] == history.grad_norm()
        assert all("hist" not in e and "act" not in e for e in light["epochs"])
    assert store.get(rec.run_id + 1) is None
    with pytest.raises(KeyError):
        store.load(rec.run_id + 1)


def test_add_epoch_again_replaces_it(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    rid = store.create("mlp", {}, layers=["out"])
    store.add_epoch(rid, writer.record(1, 1) | {"grad_norm": {"out": 1.0}})
    store.add_epoch(rid, writer.record(1, 1) | {"grad_norm": {"out": 2.0}, "val_loss": 9.0})
    assert [(e["epoch"], e["val_loss"], e["grad_norm"]) for e in store.epochs(rid)] == [
        (1, 9.0, {"out": 2.0})
    ]
    assert store.get(rid)["n_epochs"] == 1 and store.get(rid)["val_loss"] == 9.0


def test_list_filters_and_order(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    specs = [  # lab, status, group
        ("mlp", "finished", "cmp-1"),
        ("mlp", "stopped", "cmp-1"),
        ("cnn", "finished", ""),
        ("mlp", "diverged", "cmp-2"),
        ("mlp", "running", ""),
        ("cnn", "finished", "cmp-2"),
    ]
    ids = []
    for lab, status, group in specs:
        rid = store.create(lab, {"lab": lab}, group=group)
        if status != "running":
            store.finish(rid, status, 1.0)
        ids.append(rid)
        time.sleep(0.003)  # created has millisecond resolution: keep the times apart
    by_id = dict(zip(ids, specs))
    created = [store.get(i)["created"] for i in ids]
    assert created == sorted(created) and len(set(created)) == len(created)

    def expect(pred) -> list[int]:
        return sorted((i for i in ids if pred(*by_id[i])), reverse=True)  # newest first

    def got(**kw) -> list[int]:
        return [r["id"] for r in store.list(**kw)]

    assert got() == sorted(ids, reverse=True)
    assert got(lab="mlp") == expect(lambda lab, s, g: lab == "mlp")
    assert got(lab="cnn") == expect(lambda lab, s, g: lab == "cnn")
    assert got(status="finished") == expect(lambda lab, s, g: s == "finished")
    assert got(status="running") == expect(lambda lab, s, g: s == "running")
    assert got(group="cmp-2") == expect(lambda lab, s, g: g == "cmp-2")
    assert got(lab="mlp", group="cmp-1", status="stopped") == [ids[1]]
    assert got(lab="nope") == []
    assert got(since=created[3]) == ids[3:][::-1]
    assert got(since=created[3], lab="cnn") == [ids[5]]
    assert got(limit=2) == ids[-2:][::-1]
    for r in store.list(status="finished"):
        assert r["status"] == "finished" and r["config"] == {"lab": r["lab"]}


def test_rename_tags_delete_cascade(tmp_path):
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    keep, _ = record_run(store, name="keep")
    gone, _ = record_run(store, name="gone")
    assert count(db, "epochs") == 2 * TINY.epochs

    store.rename(gone, "renamed")
    store.set_tags(gone, ["z", "a", "z", "m"])
    run = RunStore(db).get(gone)
    assert run["name"] == "renamed" and run["tags"] == ["a", "m", "z"]
    assert store.get(keep)["name"] == "keep" and store.get(keep)["tags"] == []

    store.delete([])  # nothing
    assert count(db) == 2
    store.delete([gone])
    assert store.get(gone) is None and store.epochs(gone) == []
    with sqlite3.connect(db) as conn:  # the epochs cascaded away, not just hidden
        assert conn.execute("SELECT COUNT(*) FROM epochs WHERE run_id=?", (gone,)).fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM epochs WHERE run_id=?", (keep,)).fetchone()[0] == 3
    assert [r["id"] for r in store.list()] == [keep]
    assert len(store.epochs(keep)) == TINY.epochs


def test_mark_stopped_and_interrupted(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    running, done, other = (store.create("mlp", {}) for _ in range(3))
    store.finish(done, "finished", 2.0)
    store.mark_stopped(running)
    store.mark_stopped(done)  # a finished run stays finished
    assert (
        store.get(running)["status"] == "stopped" and store.get(running)["message"] == "Stopped by the user."
    )
    assert store.get(done)["status"] == "finished" and store.get(done)["message"] == ""
    assert store.mark_interrupted(older_than_s=3600) == 0  # too young to be a leftover
    assert store.get(other)["status"] == "running"
    time.sleep(0.01)
    assert store.mark_interrupted() == 1
    assert store.get(other)["status"] == "stopped" and store.get(other)["message"] == "Interrupted."
    assert store.get(done)["status"] == "finished"


# -- schema -------------------------------------------------------------------------------------------
def test_wal_mode_and_schema_version(tmp_path):
    db = tmp_path / "runs.sqlite"
    RunStore(db).create("mlp", {})
    with sqlite3.connect(db) as conn:  # a fresh connection reads what the file says
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"runs", "epochs"} <= tables


@pytest.mark.parametrize("kind", ["zero-bytes", "other-table"])
def test_file_at_user_version_0_is_migrated(tmp_path, kind):
    db = tmp_path / "runs.sqlite"
    if kind == "zero-bytes":
        db.write_bytes(b"")
    else:
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE notes (x TEXT)")
            conn.execute("INSERT INTO notes VALUES ('keep me')")
        conn.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    conn.close()
    store, warning = open_store(db)
    assert warning is None and not store.memory
    rid = store.create("mlp", {"depth": 2})
    store.add_epoch(rid, writer.record(1, 1), layers=writer.LAYERS)
    assert RunStore(db).load(rid)["grad_norm"] == {
        n: [v] for n, v in writer.record(1, 1)["grad_norm"].items()
    }
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if kind == "other-table":
            assert conn.execute("SELECT x FROM notes").fetchall() == [("keep me",)]
    conn.close()


def test_newer_schema_falls_back_to_memory(tmp_path):
    db = tmp_path / "runs.sqlite"
    old = RunStore(db)  # a store a newer app has since moved on: same tables, one more, higher version
    kept = old.create("mlp", {"depth": 2}, name="from the future")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("INSERT INTO future VALUES (42)")
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    store, warning = open_store(db)
    assert store.memory
    assert warning and str(db) in warning
    rid = store.create("mlp", {})
    assert [r["id"] for r in store.list()] == [rid]
    with sqlite3.connect(db) as conn:  # the newer app's file is left as it was
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert conn.execute("SELECT x FROM future").fetchall() == [(42,)]
        assert conn.execute("SELECT id, name FROM runs").fetchall() == [(kept, "from the future")]
    conn.close()


# -- fallbacks --------------------------------------------------------------------------------------
def check_memory_store(store: RunStore) -> None:
    assert store.memory
    rid = store.create("mlp", {"depth": 3}, layers=["out"], group="g")
    store.add_epoch(rid, writer.record(2, 1) | {"grad_norm": {"out": 0.5}})
    store.finish(rid, "finished", 1.0)
    assert [(r["id"], r["status"], r["n_epochs"]) for r in store.list(group="g")] == [(rid, "finished", 1)]
    assert store.load(rid)["grad_norm"] == {"out": [0.5]}


def test_corrupt_file_falls_back_and_is_left_untouched(tmp_path):
    db = tmp_path / "runs.sqlite"
    junk = random.Random(7).randbytes(16384)
    assert not junk.startswith(b"SQLite format 3")
    db.write_bytes(junk)
    store, warning = open_store(db)
    assert warning and str(db) in warning
    check_memory_store(store)
    assert db.read_bytes() == junk  # the user's file is never overwritten or removed
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_unwritable_location_falls_back(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    db = blocker / "runs.sqlite"
    store, warning = open_store(db)
    assert warning and str(db) in warning
    check_memory_store(store)
    assert blocker.read_text() == "a file where a folder should be"
    monkeypatch.setenv("LAB_RUNS_DB", str(db))  # the same through the environment
    store, warning = open_store()
    assert warning and str(db) in warning and store.memory


# -- concurrent writers -------------------------------------------------------------------------------
def check_writer_run(store: RunStore, rid: int, tag: int, n: int) -> None:
    run = store.get(rid)
    assert run["status"] == "finished" and run["n_epochs"] == n
    eps = store.epochs(rid)
    assert [e["epoch"] for e in eps] == list(range(1, n + 1))
    for e in eps:
        assert e == writer.record(tag, e["epoch"])


def test_two_threads_share_one_store(tmp_path):
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    n = 50
    start = threading.Barrier(2)
    errors, ids, readings = [], {}, []

    def session(tag: int) -> None:
        try:
            rec = Recorder(store, "mlp", {"tag": tag}, name=f"thread{tag}")
            ids[tag] = rec.run_id
            start.wait(timeout=30)
            for epoch in range(1, n + 1):
                rec.on_epoch(writer.record(tag, epoch))
                readings.append(len(store.list()))  # reads interleaved with the other's writes
            store.finish(rec.run_id, "finished", 1.0)
        except Exception as err:  # reported below, with the thread's tag
            errors.append((tag, repr(err)))

    threads = [threading.Thread(target=session, args=(t,)) for t in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(readings) == 2 * n and set(readings) == {2}
    for s in (store, RunStore(db)):
        for tag, rid in ids.items():
            check_writer_run(s, rid, tag, n)
    assert count(db, "epochs") == 2 * n


def test_processes_and_this_one_write_at_once(tmp_path):
    db = tmp_path / "runs.sqlite"
    go = tmp_path / "go"
    store, warning = open_store(db)  # the app's store exists, as when the CLI runs beside it
    assert warning is None
    n = 300
    procs = {
        tag: subprocess.Popen(
            [sys.executable, str(HERE / "helper_store_writer.py"), str(db), str(go), str(tag), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in (1, 2)
    }
    try:
        rec = Recorder(store, "mlp", {"tag": 3}, name="here", group="concurrent")
        deadline = time.monotonic() + 60
        while len(store.list()) < 3:  # both writers have opened the store and filed their run
            assert all(p.poll() is None for p in procs.values()), [p.communicate() for p in procs.values()]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        start = time.time()
        go.touch()
        helper_ids = [r["id"] for r in store.list() if r["id"] != rec.run_id]
        for epoch in range(1, n + 1):
            rec.on_epoch(writer.record(3, epoch))
            while epoch == n // 2 and not all(store.get(i)["n_epochs"] for i in helper_ids):
                # halfway, make sure both other writers are writing too (under load they may start late)
                assert time.monotonic() < deadline + 60, "the other writers never started"
                time.sleep(0.002)
        end = time.time()
        store.finish(rec.run_id, "finished", end - start)
        results = {tag: p.communicate(timeout=120) for tag, p in procs.items()}
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    spans = [(start, end)]
    ids = {3: rec.run_id}
    for tag, (out, err) in results.items():
        assert procs[tag].returncode == 0, err
        assert "locked" not in err and err == ""
        rid, t0, t1 = out.split()
        ids[tag] = int(rid)
        spans.append((float(t0), float(t1)))
    assert all(t0 < end and t1 > start for t0, t1 in spans), "the writers did not overlap"
    with sqlite3.connect(db) as conn:  # insertion order: how often consecutive commits came from another run
        order = [r[0] for r in conn.execute("SELECT run_id FROM epochs ORDER BY rowid")]
    conn.close()
    switches = sum(a != b for a, b in zip(order, order[1:]))
    assert switches >= 2, f"the commits never interleaved ({switches} switches)"
    fresh, warning = open_store(db)
    assert warning is None
    assert sorted(r["id"] for r in fresh.list(group="concurrent")) == sorted(ids.values())
    for tag, rid in ids.items():
        check_writer_run(fresh, rid, tag, n)
    assert count(db, "epochs") == 3 * n


def test_first_open_by_several_sessions_at_once(tmp_path):
    errors = []
    for trial in range(10):  # the race hits nearly every trial; ten make a miss vanishingly rare
        db = tmp_path / f"runs{trial}.sqlite"
        barrier = threading.Barrier(4)

        def open_it(db=db, barrier=barrier) -> None:
            barrier.wait(timeout=30)
            try:
                RunStore(db)  # its own object, as a second process would have
            except Exception as err:
                errors.append(repr(err))

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []


# -- a process killed mid-run ---------------------------------------------------------------------
def test_killed_cli_run_keeps_committed_epochs(tmp_path, repo_root):
    db = tmp_path / "runs.sqlite"
    store, warning = open_store(db)
    assert warning is None
    env = {**os.environ, "LAB_RUNS_DB": str(db), "OMP_NUM_THREADS": "1"}
    argv = ["train", "--save", "--epochs", "500", "--n_samples", "2000", "--depth", "8", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "core", *argv],
        cwd=repo_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (store.list() and store.list()[0]["n_epochs"] >= 3):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the CLI run never reached 3 epochs"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL

    after, warning = open_store(db)  # a new session opens the file the dead process left
    assert warning is None and not after.memory
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    (run,) = after.list()
    assert run["status"] == "running" and run["tags"] == ["cli"]
    assert run["config"]["depth"] == 8 and run["config"]["n_samples"] == 2000
    assert run["layers"] == [f"layer{i}" for i in range(1, 9)] + ["out"]
    eps = after.epochs(run["id"])
    n = len(eps)
    assert 3 <= n < 500
    assert run["n_epochs"] == n
    assert [e["epoch"] for e in eps] == list(range(1, n + 1))
    for e in eps:
        assert all(math.isfinite(e[k]) for k in SCALARS)
        assert set(e["grad_norm"]) == set(run["layers"])
        assert all(math.isfinite(v) for v in e["grad_norm"].values())
    assert run["val_loss"] == eps[-1]["val_loss"]  # the run row and its epochs agree

    assert after.mark_interrupted(older_than_s=3600) == 0  # it began seconds ago
    assert after.mark_interrupted() == 1
    stopped = after.get(run["id"])
    assert stopped["status"] == "stopped" and stopped["message"] == "Interrupted."
    assert after.epochs(run["id"]) == eps  # the committed epochs stay


# -- import -------------------------------------------------------------------------------------------
def test_export_import_round_trip(tmp_path):
    src = RunStore(tmp_path / "a.sqlite")
    a, ha = record_run(src, name="relu", tags=["x"], group="g")
    b, hb = record_run(src, MLPConfig(**{**asdict(TINY), "activation": "sigmoid", "depth": 3}), name="sig")
    loaded = [src.load(i) for i in (a, b)]
    text = to_json(loaded)

    dst_path = tmp_path / "b.sqlite"
    dst = RunStore(dst_path)
    ids = dst.import_runs(json.loads(text))
    assert len(ids) == 2 and len(set(ids)) == 2
    dst = RunStore(dst_path)  # read back from the file
    for new, old, h in zip(ids, loaded, (ha, hb)):
        got = dst.load(new)
        assert got["epochs"] == old["epochs"]
        assert got["grad_norm"] == old["grad_norm"] == h.grad_norm()
        for k in ("lab", "config", "status", "layers", "tags", "group", "message", "seconds", "created"):
            assert got[k] == old[k], k
        assert got["name"] == f"{old['name']} (imported)"
        run = dst.get(new)
        assert run["n_epochs"] == len(old["epochs"])
        for k in SCALARS:
            assert run[k] == old["epochs"][-1][k]
        assert dst.epochs(new) == src.epochs(old["id"])

    # one run on its own (the CLI's --json shape) imports too
    (one,) = dst.import_runs(ha.to_dict())
    assert dst.load(one)["grad_norm"] == ha.grad_norm()
    assert dst.load(one)["epochs"] == normal(ha.to_dict()["epochs"])


VALID = synthetic_run()


def broken(**changes) -> dict:
    run = copy.deepcopy(VALID)
    for k, v in changes.items():
        if v is DROP:
            del run[k]
        else:
            run[k] = v
    return run


def with_epoch(index: int, **changes) -> dict:
    run = copy.deepcopy(VALID)
    for k, v in changes.items():
        if v is DROP:
            del run["epochs"][index][k]
        else:
            run["epochs"][index][k] = v
    return run


DROP = object()
REJECTED = [
    ("list", [VALID], "not a run export"),
    ("string", "runs", "not a run export"),
    ("none", None, "not a run export"),
    ("no runs or epochs", {"format": "dl-lab-runs"}, "not a run export"),
    ("empty runs", {"runs": []}, "non-empty list"),
    ("runs not a list", {"runs": {"0": VALID}}, "non-empty list"),
    ("run not a dict", {"runs": [VALID, 5]}, "run 2: not an object"),
    *[
        (f"missing {k}", {"runs": [broken(**{k: DROP})]}, f"run 1: '{k}'")
        for k in ("lab", "config", "layers", "epochs", "grad_norm", "status")
    ],
    ("lab not str", broken(lab=3), "'lab'"),
    ("config not dict", broken(config=["depth", 2]), "'config'"),
    ("layers not list", broken(layers="layer1"), "'layers'"),
    ("epochs not list", {"runs": [broken(epochs={"1": {}})]}, "'epochs'"),
    ("grad_norm not dict", broken(grad_norm=[[0.1, 0.2]]), "'grad_norm'"),
    ("status not str", broken(status=1), "'status'"),
    ("unknown status", broken(status="done"), "unknown status 'done'"),
    ("grad_norm short", broken(grad_norm={"layer1": [0.1], "out": [0.1, 0.2]}), "grad_norm['layer1']"),
    ("grad_norm long", broken(grad_norm={"layer1": [0.1, 0.2], "out": [0.1, 0.2, 0.3]}), "grad_norm['out']"),
    ("grad_norm layer missing", broken(grad_norm={"layer1": [0.1, 0.2]}), "grad_norm['out']"),
    ("grad_norm NaN", broken(grad_norm={"layer1": [0.1, math.nan], "out": [1, 2]}), "grad_norm['layer1']"),
    ("grad_norm str", broken(grad_norm={"layer1": [0.1, 0.2], "out": ["1", 2]}), "grad_norm['out']"),
    ("epoch not dict", broken(epochs=[VALID["epochs"][0], 2]), "epoch 2"),
    ("epoch number missing", with_epoch(0, epoch=DROP), "'epoch'"),
    ("epoch number str", with_epoch(1, epoch="2"), "'epoch'"),
    ("epoch number float", with_epoch(1, epoch=2.0), "'epoch'"),
    ("train_loss NaN", with_epoch(1, train_loss=math.nan), "epoch 2: 'train_loss'"),
    ("val_loss inf", with_epoch(0, val_loss=math.inf), "epoch 1: 'val_loss'"),
    ("train_acc -inf", with_epoch(1, train_acc=-math.inf), "epoch 2: 'train_acc'"),
    ("val_acc str", with_epoch(0, val_acc="0.5"), "epoch 1: 'val_acc'"),
    ("val_acc None", with_epoch(0, val_acc=None), "epoch 1: 'val_acc'"),
    ("val_acc bool", with_epoch(1, val_acc=True), "epoch 2: 'val_acc'"),
    ("metric missing", with_epoch(1, val_loss=DROP), "epoch 2: 'val_loss'"),
    ("second run broken", {"runs": [VALID, with_epoch(1, train_loss="x")]}, "run 2, epoch 2: 'train_loss'"),
    ("second run bad status", {"runs": [VALID, VALID, broken(status="")]}, "run 3: unknown status"),
]


@pytest.fixture
def store_with_a_run(tmp_path) -> tuple[RunStore, Path]:
    db = tmp_path / "runs.sqlite"
    store = RunStore(db)
    store.import_runs(VALID)
    assert count(db) == 1 and count(db, "epochs") == 2
    return store, db


@pytest.mark.parametrize("data, words", [(d, w) for _, d, w in REJECTED], ids=[i for i, _, _ in REJECTED])
def test_malformed_import_is_rejected_and_writes_nothing(store_with_a_run, data, words):
    store, db = store_with_a_run
    with pytest.raises(ImportRejected) as err:
        validate_export(data)
    assert words in str(err.value)
    with pytest.raises(ImportRejected) as err2:
        store.import_runs(data)
    assert str(err2.value) == str(err.value)
    assert count(db) == 1 and count(db, "epochs") == 2


def test_valid_inputs_are_accepted():
    assert validate_export(VALID) == [VALID]
    assert validate_export({"runs": [VALID, VALID]}) == [VALID, VALID]
    no_epochs = synthetic_run(0)
    assert validate_export(no_epochs) == [no_epochs]
    ints = with_epoch(0, train_loss=1, val_acc=0)  # integers are numbers
    assert validate_export({"runs": [ints]}) == [ints]


def test_import_failing_midway_writes_nothing(store_with_a_run):
    """The first run is inserted before the second fails inside the database (two epochs
    numbered 1): the one transaction must roll the first back too."""
    store, db = store_with_a_run
    twice = with_epoch(1, epoch=1)
    with pytest.raises((ImportRejected, sqlite3.Error)):
        store.import_runs({"runs": [VALID, twice]})
    assert count(db) == 1 and count(db, "epochs") == 2


@pytest.mark.parametrize(
    "run",
    [
        broken(name=5),
        broken(group=["a"]),
        broken(message=None),
        broken(seconds="slow"),
        with_epoch(0, seconds=[1]),
        with_epoch(1, epoch=1),
        with_epoch(1, epoch=2**70),
    ],
    ids=[
        "name int",
        "group list",
        "message null",
        "seconds str",
        "epoch seconds list",
        "dup epoch",
        "huge epoch",
    ],
)
def test_import_rejects_bad_optional_fields(store_with_a_run, run):
    store, db = store_with_a_run
    try:
        with pytest.raises(ImportRejected):
            store.import_runs({"runs": [VALID, run]})
    finally:
        assert count(db) == 1 and count(db, "epochs") == 2


def test_validate_rejects_non_string_layer_names():
    with pytest.raises(ImportRejected):
        validate_export(broken(layers=[["layer1"], "out"]))


def test_validate_rejects_huge_integers():
    with pytest.raises(ImportRejected):
        validate_export(with_epoch(0, val_loss=10**400))


# -- fuzzing the import check ----------------------------------------------------------------------
KEYS = [
    "runs",
    "lab",
    "config",
    "layers",
    "epochs",
    "grad_norm",
    "status",
    "epoch",
    *SCALARS,
    "layer1",
    "out",
]
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["finished", "running", "stopped", "diverged", "layer1", "out", "mlp"])
)
json_like = st.recursive(
    leaves,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), kids, max_size=5)
    ),
    max_leaves=25,
)


def mutate(doc, data) -> object:
    """One random edit somewhere in doc: replace a value, delete a key or item, or add one."""
    if not isinstance(doc, (dict, list)) or not doc or data.draw(st.integers(0, 4)) == 0:
        return data.draw(json_like)
    keys = list(doc) if isinstance(doc, dict) else list(range(len(doc)))
    key = data.draw(st.sampled_from(keys))
    op = data.draw(st.sampled_from(["descend", "descend", "replace", "delete", "add"]))
    if op == "descend":
        doc[key] = mutate(doc[key], data)
    elif op == "replace":
        doc[key] = data.draw(json_like)
    elif op == "delete":
        del doc[key]
    elif isinstance(doc, dict):
        doc[data.draw(st.sampled_from(KEYS))] = data.draw(json_like)
    else:
        doc.insert(key, data.draw(json_like))
    return doc


def check_validate_or_reject(store: RunStore, db: Path, data) -> None:
    try:
        runs = validate_export(data)
    except ImportRejected as err:
        assert str(err)
        before = (count(db), count(db, "epochs"))
        with pytest.raises(ImportRejected):
            store.import_runs(data)
        assert (count(db), count(db, "epochs")) == before
        return
    assert isinstance(runs, list) and runs and all(isinstance(r, dict) for r in runs)
    assert runs == (data["runs"] if "runs" in data else [data])


FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(data=json_like)
def test_fuzz_validate_arbitrary_json(store_with_a_run, data):
    check_validate_or_reject(*store_with_a_run, data)


@FUZZ
@given(data=st.data())
def test_fuzz_validate_mutated_exports(store_with_a_run, data):
    doc = {"format": "dl-lab-runs", "version": 1, "runs": [copy.deepcopy(VALID), synthetic_run(3)]}
    for _ in range(data.draw(st.integers(1, 3))):
        doc = mutate(doc, data)
    check_validate_or_reject(*store_with_a_run, doc)


def test_epochs_filed_at_once_are_the_epochs_filed_one_by_one(tmp_path):
    """A page joining a run files every epoch so far in one write: the same rows as one by one."""
    history = train(MLPConfig(n_samples=200, depth=2, width=8, epochs=4))
    one, many = RunStore(tmp_path / "one.sqlite"), RunStore(tmp_path / "many.sqlite")
    a = Recorder(one, "mlp", history.config)
    for record in history.epochs:
        a.on_epoch(record)
    b = Recorder(many, "mlp", history.config)
    b.on_epochs(history.epochs[:3])
    b.on_epochs(history.epochs[3:])
    b.on_epochs([])
    got, want = many.load(b.run_id), one.load(a.run_id)
    assert got["epochs"] == want["epochs"] and got["layers"] == want["layers"] == history.layers
    assert (
        many.get(b.run_id)["n_epochs"] == 4 and many.get(b.run_id)["val_acc"] == one.get(a.run_id)["val_acc"]
    )


def test_pages_of_one_training_file_the_same_epoch_texts_as_json_dumps(tmp_path):
    """30 pages joined to one training receive shallow copies of each record (its parts the same
    objects) and each files them in its own rows: the stored texts are json.dumps of each part,
    alike for every page, and a record made anew with other values is not mistaken for one
    serialized before (the store serializes each part once, by identity)."""
    history = train(MLPConfig(n_samples=200, depth=2, width=8, epochs=3))
    store = RunStore(tmp_path / "runs.sqlite")
    ids = []
    for _ in range(3):  # three pages, each with its copies of the same records
        r = Recorder(store, "mlp", history.config)
        r.on_epochs([dict(record) for record in history.epochs])
        ids.append(r.run_id)
    with sqlite3.connect(tmp_path / "runs.sqlite") as conn:
        rows = conn.execute(
            "SELECT run_id, epoch, grad_norm, detail, grad_rms FROM epochs ORDER BY run_id, epoch"
        ).fetchall()
    assert len(rows) == 9
    for _run, epoch, grad_norm, detail, grad_rms in rows:
        record = history.epochs[epoch - 1]
        assert grad_norm == json.dumps(record["grad_norm"])
        assert detail == json.dumps({k: record[k] for k in ("act", "hist") if k in record})
        assert grad_rms == json.dumps(record.get("grad_rms", {}))
    assert "act" in history.epochs[0] and "hist" in history.epochs[0]  # the detail is not empty
    assert store.load(ids[0])["epochs"] == store.load(ids[2])["epochs"]
    first = history.epochs[0]
    changed = {**first, "grad_norm": {k: v * 2 for k, v in first["grad_norm"].items()}}
    r = Recorder(store, "mlp", history.config)
    r.on_epochs([changed])
    assert store.load(r.run_id)["grad_norm"] == {k: [v] for k, v in changed["grad_norm"].items()}
