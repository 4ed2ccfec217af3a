"""The class board on a real SQLite store with real trainings: who may publish, withdraw and hide
what, the bounds, the nickname rules, and measures equal to those Compare computes from the run."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, replace

import pytest

from core.contract.config import MLPConfig
from core.engine.insights import gradient_finding
from core.engine.training import History, train
from core.runs.board import NICK_MAX, Board, BoardRefused, clean_nickname, teacher_ok
from core.runs.board_groups import groups, knobs, summary
from core.runs.compare import final_ratio
from core.runs.owners import ScopedStore
from core.runs.recorder import Recorder
from core.runs.store import RunStore

TINY = MLPConfig(n_samples=120, depth=4, width=8, epochs=3)


def record(store, cfg: MLPConfig = TINY, finish: bool = True) -> int:
    rec = Recorder(store, "mlp", asdict(cfg))
    history = train(cfg, on_epoch=rec.on_epoch)
    if finish:
        rec.finish(history)
    return rec.run_id


@pytest.fixture
def store(tmp_path):
    return RunStore(tmp_path / "runs.sqlite")


def test_two_publish_a_third_sees_both_and_can_change_neither(store):
    board = Board(store)
    ann, bob, cat = ScopedStore(store, "ann"), ScopedStore(store, "bob"), ScopedStore(store, "cat")
    a = board.publish(record(ann), "ann", "Ann")
    b = board.publish(record(bob, replace(TINY, activation="relu")), "bob", "Bob")
    seen = board.entries(owner="cat")
    assert [(e.nickname, e.mine) for e in seen] == [("Ann", False), ("Bob", False)]
    assert [e.mine for e in board.entries(owner="ann")] == [True, False]
    assert not board.withdraw(a, "cat") and not board.withdraw(b, "ann")  # not theirs
    with pytest.raises(BoardRefused, match="no run"):
        board.publish(seen[0].run_id, "cat", "mine now")  # another's run id: as absent as none
    assert [e.nickname for e in board.entries()] == ["Ann", "Bob"]
    assert cat.list() == []  # publishing copied nothing into anyone else's runs
    assert board.withdraw(a, "ann")
    assert [e.nickname for e in board.entries(owner="cat")] == ["Bob"]  # gone for everyone


def test_only_a_run_trained_to_its_end_is_published_and_again_renames_it(store):
    board = Board(store)
    running = record(ScopedStore(store, "ann"), finish=False)
    with pytest.raises(BoardRefused, match="trained to its end"):
        board.publish(running, "ann", "Ann")
    rid = record(ScopedStore(store, "ann"))
    first = board.publish(rid, "ann", "Ann")
    assert board.publish(rid, "ann", "Ann K.") == first
    assert [e.nickname for e in board.entries()] == ["Ann K."]


def test_deleting_the_run_withdraws_it(store):
    board = Board(store)
    ann = ScopedStore(store, "ann")
    rid = record(ann)
    board.publish(rid, "ann", "Ann")
    ann.delete([rid])  # Forget me deletes every run of the visitor
    assert board.entries() == []


def test_bounds_drop_the_oldest_per_visitor_and_in_all(store):
    board = Board(store, per_visitor=2, total=3)
    ids = [record(ScopedStore(store, "ann"), replace(TINY, seed=s, epochs=1)) for s in range(3)]
    for i, rid in enumerate(ids):
        board.publish(rid, "ann", f"ann{i}")
    assert [e.nickname for e in board.entries()] == ["ann1", "ann2"]
    for who in ("bob", "cat"):
        board.publish(record(ScopedStore(store, who), replace(TINY, epochs=1)), who, who)
    assert [e.nickname for e in board.entries()] == ["ann2", "bob", "cat"]


def test_entries_older_than_the_age_bound_are_neither_shown_nor_kept(store):
    board = Board(store, max_age_h=12)
    old = board.publish(record(ScopedStore(store, "ann")), "ann", "old")
    board.publish(record(ScopedStore(store, "bob")), "bob", "new")
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE board_runs SET published='2020-01-01T00:00:00.000+00:00' WHERE id=?", (old,))
    assert [e.nickname for e in board.entries()] == ["new"]
    assert board.prune() == 1


def test_the_teachers_hide_clear_and_new_board(store):
    board = Board(store)
    a = board.publish(record(ScopedStore(store, "ann")), "ann", "Ann")
    board.publish(record(ScopedStore(store, "bob")), "bob", "Bob")
    v0 = board.version()
    assert board.hide(a)
    assert board.version() != v0
    assert [e.nickname for e in board.entries()] == ["Bob"]
    assert [(e.nickname, e.hidden) for e in board.entries(hidden=True)] == [("Ann", True), ("Bob", False)]
    assert board.hide(a, False) and len(board.entries()) == 2
    assert board.clear() == 2 and board.entries() == []
    board.publish(record(ScopedStore(store, "ann")), "ann", "Ann")
    first = board.current()["id"]
    second = board.new_board("Lesson 2:   dropout")
    assert second > first and board.current() == {
        **board.current(),
        "id": second,
        "title": "Lesson 2: dropout",
    }
    assert board.entries() == []
    assert sorted(r["owner"] for r in store.list()) == ["ann", "ann", "bob"]  # the runs stay their owners'


def test_teacher_key_is_never_matched_without_a_key():
    assert teacher_ok("s3cret", "s3cret")
    assert (
        not teacher_ok("s3cre", "s3cret") and not teacher_ok("", "s3cret") and not teacher_ok(None, "s3cret")
    )
    assert not teacher_ok("", "") and not teacher_ok("anything", "")


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("  Ann   Lee ", "Ann Lee"),
        ("<b>bold</b>", "<b>bold</b>"),  # kept as typed: shown as text, never as markup
        ("**x** [a](javascript:1)", "**x** [a](javascript:1)"),
        ("김민준", "김민준"),
        ("한\u1100\u1161"[:1] + "\u1100\u1161", "한가"),  # NFC: jamo compose
        ("🦊 fox", "🦊 fox"),
    ],
)
def test_nicknames_kept_as_typed_text(typed, kept):
    assert clean_nickname(typed) == kept


@pytest.mark.parametrize(
    "typed, why",
    [
        ("", "Type a nickname"),
        ("   ", "Type a nickname"),
        ("x" * (NICK_MAX + 1), f"at most {NICK_MAX}"),
        ("ann\x00", "U+0000"),
        ("ann\nbob", "U+000A"),
        ("evil\u202etxt", "U+202E"),  # a bidi override would reverse what others read
        ("zero\u200bwidth", "U+200B"),
        (42, "text"),
    ],
)
def test_nicknames_refused_with_the_reason(typed, why):
    with pytest.raises(BoardRefused, match=why.replace("+", r"\+")):
        clean_nickname(typed)


def test_board_measures_equal_those_computed_from_the_stored_runs(store):
    board = Board(store)
    deep = replace(TINY, depth=8, epochs=4)
    for i, act in enumerate(("sigmoid", "relu", "sigmoid")):
        cfg = replace(deep, activation=act, seed=i, init="he" if act == "relu" else "default")
        board.publish(record(ScopedStore(store, f"v{i}"), cfg), f"v{i}", f"v{i}")
    entries = board.entries()
    for e in entries:
        run = store.load(e.run_id, detail=False)
        assert e.ratio == final_ratio(run) and e.ratio is not None
        h = History(config=run["config"], layers=run["layers"], epochs=store.epochs(e.run_id))
        h.status = run["status"]
        assert e.verdict == gradient_finding(h).verdict
        last = run["epochs"][-1]
        assert e.gap == last["val_loss"] - last["train_loss"]
    assert knobs(entries)[:2] == ["activation", "init"] and "seed" in knobs(entries)
    by = groups(entries, "activation")
    assert list(by) == ["relu", "sigmoid"] and [e.nickname for e in by["sigmoid"]] == ["v0", "v2"]
    rows = {r["value"]: r for r in summary(entries, "activation")}
    sig = sorted(e.ratio for e in by["sigmoid"])
    assert rows["sigmoid"]["n"] == 2 and rows["sigmoid"]["median_ratio"] == pytest.approx(
        (sig[0] + sig[1]) / 2
    )
    assert rows["relu"]["median_ratio"] == by["relu"][0].ratio
    assert (
        rows["sigmoid"]["median_ratio"] < rows["relu"]["median_ratio"]
    )  # sigmoid's first layer falls behind
    curves = board.curves(entries)
    assert [len(e.epochs) for e in curves] == [4, 4, 4]
    assert [e.epochs for e in curves] == [store.epochs(e.run_id) for e in entries]
    assert all(e.epochs == [] for e in entries)  # copies: the entries read once stay as they were


def test_a_view_reads_the_board_once_for_a_page_run(store):
    board = Board(store)
    a = board.publish(record(ScopedStore(store, "ann")), "ann", "Ann")
    board.publish(record(ScopedStore(store, "bob"), replace(TINY, seed=1)), "bob", "Bob")
    board.hide(a)
    view = board.view(owner="ann")
    assert view.version == board.version() and view.board == board.current()
    assert [e.nickname for e in view.entries] == ["Ann", "Bob"]  # the hidden one too
    assert [e.nickname for e in view.shown] == ["Bob"] == [e.nickname for e in board.entries()]
    assert [e.nickname for e in view.mine] == ["Ann"]  # hidden by the teacher, still the owner's
    assert board.published(view.mine[0].run_id, "ann") == (a, "Ann")  # the lab's box: one query
    assert board.published(view.mine[0].run_id, "bob") is None  # not bob's
    board.withdraw(a, "ann")
    assert board.view().version != view.version
    assert board.published(view.mine[0].run_id, "ann") is None


def test_groups_order_numbers_by_size(store):
    board = Board(store)
    for d in (10, 2, 4):
        board.publish(record(ScopedStore(store, f"d{d}"), replace(TINY, depth=d, epochs=1)), f"d{d}", str(d))
    assert list(groups(board.entries(), "depth")) == ["2", "4", "10"]


def test_a_cnn_run_is_published_with_its_own_ratio(store):
    from core.contract.config import CNNConfig

    cfg = CNNConfig(n_train=100, epochs=1)
    rec = Recorder(ScopedStore(store, "ann"), "cnn", asdict(cfg))
    rec.finish(train(cfg, on_epoch=rec.on_epoch))
    board = Board(store)
    board.publish(rec.run_id, "ann", "conv ann")
    (entry,) = board.entries()
    assert entry.lab == "cnn" and entry.layers == store.get(rec.run_id)["layers"]
    assert entry.ratio == final_ratio(store.load(rec.run_id, detail=False)) and entry.ratio is not None
