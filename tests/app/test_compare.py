"""Compare page in AppTest, against a real SQLite store in a temp folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.runs.store import RunStore

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def compare_page(timeout: int = 120) -> AppTest:
    """The page run as the server runs it: from the entrypoint, so page links resolve."""
    at = AppTest.from_file(HOME, default_timeout=timeout)
    at.switch_page("pages/8_Compare.py")
    return at


@pytest.fixture
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LAB_RUNS_DB", str(path))
    monkeypatch.setenv("LAB_EXPORT_DIR", str(tmp_path / "tb"))
    return path


def test_launches_empty(store_path):
    at = compare_page().run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)


def test_one_click_comparison_end_to_end(store_path, tmp_path):
    at = compare_page().run()
    at.selectbox(key="cmp.kind").set_value("activation")
    at.slider(key="cmp.depth").set_value(6)
    at.slider(key="cmp.epochs").set_value(3)
    at.run()
    at.button(key="cmp.run").click().run()
    assert not at.exception
    runs = RunStore(store_path).list()
    assert sorted(r["config"]["activation"] for r in runs) == ["relu", "sigmoid", "tanh"]
    assert {r["status"] for r in runs} == {"finished"} and all(r["n_epochs"] == 3 for r in runs)
    assert len({r["group"] for r in runs}) == 1  # filed together
    # The new comparison's runs are selected and drawn: curves, ratio, grad grid.
    assert sorted(at.multiselect(key="cmp.pick").value) == sorted(r["id"] for r in runs)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    names = [t.get("name", "") for t in specs[0]["data"]]
    assert sum("validation" in n for n in names) == 3
    # The config diff shows only the knob that changed.
    frames = at.dataframe
    diff = [f.value for f in frames if "activation" in list(f.value.index)]
    assert diff and list(diff[0].index) == ["activation"]
    # Export to TensorBoard writes event files.
    at.button(key="cmp.tb").click().run()
    assert not at.exception
    assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))
