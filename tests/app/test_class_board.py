"""The Class board page in AppTest (the single user's lab: owner ""), on a real SQLite store with
real trainings: the board's chart, groups and table, publishing from the page and from the lab,
withdrawing, and a hostile nickname kept as text."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.contract.config import MLPConfig
from core.engine.training import train
from core.runs.board import Board
from core.runs.compare import final_ratio
from core.runs.owners import ScopedStore
from core.runs.recorder import Recorder
from core.runs.store import RunStore

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")
DEEP = MLPConfig(n_samples=200, depth=8, width=16, epochs=3)
HOSTILE = '<img src=x onerror="alert(1)">'


def board_page() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=120)
    at.switch_page("pages/10_Class_Board.py")
    return at


def record(store, cfg: MLPConfig) -> int:
    rec = Recorder(store, "mlp", asdict(cfg))
    rec.finish(train(cfg, on_epoch=rec.on_epoch))
    return rec.run_id


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LAB_RUNS_DB", str(path))
    return path


def frame(at: AppTest, column: str):
    return next(f.value for f in at.dataframe if column in f.value.columns)


def test_an_empty_board_says_how_to_fill_it(store_path):
    at = board_page().run()
    assert not at.exception
    assert any("Nobody has published" in i.value for i in at.info)
    assert any("no finished run yet" in i.value for i in at.info)


def test_the_board_groups_everyones_runs_by_the_knob_with_their_stored_ratios(store_path):
    store = RunStore(store_path)
    board = Board(store)
    for i, (act, nick) in enumerate((("sigmoid", "Ann"), ("relu", HOSTILE), ("sigmoid", "민준"))):
        cfg = replace(DEEP, activation=act, seed=i, init="he" if act == "relu" else "default")
        board.publish(record(ScopedStore(store, f"v{i}"), cfg), f"v{i}", nick)
    at = board_page().run()
    assert not at.exception
    assert at.selectbox(key="board.knob").value == "activation"  # the usual knob first
    runs = frame(at, "nickname")
    assert list(runs["nickname"]) == ["Ann", HOSTILE, "민준"]  # a dataframe cell: plain text
    stored = {e.nickname: final_ratio(store.load(e.run_id, detail=False)) for e in board.entries()}
    assert list(runs["ratio"]) == [stored[n] for n in runs["nickname"]]
    assert all(link.endswith("lang=en") and "MLP_Lab?" in link for link in runs["open"])
    groups = frame(at, "median ratio")
    assert list(groups["activation"]) == ["relu", "sigmoid"] and list(groups["runs"]) == [1, 2]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    texts = [t for trace in spec["data"] for t in trace.get("text") or []]
    assert '&lt;img src=x onerror="alert(1)"&gt;' in texts and HOSTILE not in texts  # escaped for plotly
    points = {t["name"]: t["y"] for t in spec["data"] if t.get("mode", "").startswith("markers")}
    assert sorted(points["activation = sigmoid"]) == sorted([stored["Ann"], stored["민준"]])
    # The curves of one group, overlaid.
    at.selectbox(key="board.group").set_value("sigmoid").run()
    curves = json.loads(at.get("plotly_chart")[1].proto.spec)
    names = {t["name"] for t in curves["data"] if t.get("name")}
    assert names == {f"{n} {split}" for n in ("Ann", "민준") for split in ("train", "validation")}
    assert "#" not in " ".join(names)  # nicknames, not other visitors' store numbers
    # Only the runs of one value of the knob.
    at.multiselect(key="board.only").set_value(["sigmoid"]).run()
    assert list(frame(at, "nickname")["nickname"]) == ["Ann", "민준"]
    assert list(frame(at, "median ratio")["activation"]) == ["sigmoid"]


def test_publish_from_the_page_and_withdraw(store_path):
    store = RunStore(store_path)
    rid = record(store, DEEP)
    at = board_page().run()
    at.text_input(key="board.nick.page").set_value("   ").run()
    at.button(key="board.publish.page").click().run()
    assert any("Type a nickname" in e.value for e in at.error)
    assert Board(store).entries() == []
    at.text_input(key="board.nick.page").set_value("Ann").run()
    at.button(key="board.publish.page").click().run()
    assert not at.exception and any("Published" in s.value for s in at.success)
    assert [(e.run_id, e.nickname) for e in Board(store).entries()] == [(rid, "Ann")]
    assert list(frame(at, "nickname")["nickname"]) == ["Ann"]
    (entry,) = Board(store).entries()
    at.button(key=f"board.withdraw.{entry.id}").click().run()
    assert Board(store).entries() == [] and any("Withdrawn" in s.value for s in at.success)


def test_the_mlp_lab_publishes_its_finished_run(store_path):
    at = AppTest.from_file(HOME, default_timeout=120)
    at.switch_page("pages/3_MLP_Lab.py")
    at.query_params.update({"epochs": "2", "n_samples": "120", "depth": "3", "width": "8"})
    at.run()
    next(b for b in at.button if b.label == "Train").click().run()
    assert not at.exception
    at.text_input(key="board.nick.lab").set_value("Bo").run()
    at.button(key="board.publish.lab").click().run()
    (entry,) = Board(RunStore(store_path)).entries()
    assert entry.nickname == "Bo" and entry.n_epochs == 2
    assert any(t.value == "Bo" for t in at.text)  # "On the board as" Bo, with Withdraw beside it
    at.button(key="board.withdraw.lab").click().run()
    assert Board(RunStore(store_path)).entries() == []
