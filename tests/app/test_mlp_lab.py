"""MLP lab in AppTest: launch, share-link restore, bad links, a short Train renders every view."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.contract.config import MLPConfig, to_params
from core.runs.store import RunStore

HOME = str(Path(__file__).resolve().parents[2] / "dashboard.py")


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    """Each test keeps its runs in its own SQLite file."""
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "runs.sqlite"))


def widget(at: AppTest, name: str):
    """The element keyed mlp.<name>."""
    return at.session_state[f"mlp.{name}"]


def app(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)  # from the entrypoint, as the server runs it
    at.switch_page("pages/3_MLP_Lab.py")
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_launches_with_defaults_and_url_holds_config():
    at = app()
    assert not at.exception
    assert at.slider(key="mlp.depth").value == MLPConfig().depth
    assert at.selectbox(key="mlp.activation").value == MLPConfig().activation
    # The URL is rewritten to hold the whole config.
    assert {k: at.query_params[k] for k in to_params(MLPConfig())} == to_params(MLPConfig())
    assert any("Press **Train**" in i.value for i in at.info)
    # the data preview, and the init lesson's signal-through-depth chart under the controls
    assert len(at.get("plotly_chart")) == 2


def test_share_link_restores_every_control():
    cfg = MLPConfig(
        dataset="moons",
        n_samples=300,
        noise=0.2,
        depth=7,
        width=16,
        activation="sigmoid",
        init="xavier",
        dropout=0.25,
        batch_norm=True,
        residual=True,
        optimizer="sgd",
        lr=0.05,
        momentum=0.5,
        weight_decay=0.001,
        batch_size=16,
        epochs=3,
        seed=42,
    )
    at = app(**to_params(cfg))
    assert not at.exception
    assert not at.warning
    restored = MLPConfig(**{n: widget(at, n) for n in MLPConfig.__dataclass_fields__})
    assert restored == cfg
    assert at.slider(key="mlp.depth").value == 7
    assert at.toggle(key="mlp.batch_norm").value is True
    assert at.number_input(key="mlp.lr").value == pytest.approx(0.05)


@pytest.mark.parametrize(
    "params, field, bad",
    [
        ({"depth": "abc"}, "depth", "abc"),
        ({"activation": "evil"}, "activation", "evil"),
        ({"lr": "1e9"}, "lr", "1e9"),
        ({"dropout": "-1", "depth": "12"}, "dropout", "-1"),
    ],
)
def test_bad_link_falls_back_with_visible_notice(params, field, bad):
    at = app(**params)
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert field in notices and bad in notices and "default" in notices
    assert widget(at, field) == getattr(MLPConfig(), field)
    assert at.query_params[field] == to_params(MLPConfig())[field]
    if "depth" in params and params["depth"] == "12":
        assert widget(at, "depth") == 12  # good values in the same link are kept


def test_two_epoch_train_renders_every_chart_and_stays():
    at = app(epochs="2", depth="3", n_samples="200", activation="sigmoid")
    at.button[0].click().run()  # Train
    assert not at.exception
    assert any("Finished 2 epochs" in s.value for s in at.success)
    specs = charts(at)
    titles = json.dumps([s.get("layout", {}).get("title", {}) for s in specs])
    assert "log colour" in titles and "log axis" in titles and "Distributions at epoch 2" in titles
    kinds = [t["type"] for s in specs for t in s["data"]]
    assert kinds.count("heatmap") >= 2  # gradient heatmap + decision boundary
    # init lesson, loss, grad heatmap, grad lines, boundary, activations, distributions
    assert len(specs) == 7
    alerts = " ".join(a.value for a in [*at.error, *at.warning, *at.success])
    assert "the first layer gets" in alerts and "first/last per-weight RMS = " in alerts
    assert "per weight" in titles  # the size-free gradient is the one shown by default
    history = at.session_state["mlp.history"]
    assert history.status == "finished" and len(history.epochs) == 2
    # The run is kept in the store, epoch by epoch, with the same numbers.
    stored = RunStore(os.environ["LAB_RUNS_DB"]).load(history.run_id)
    assert stored["status"] == "finished" and stored["config"]["depth"] == 3
    assert [e["val_loss"] for e in stored["epochs"]] == history.series("val_loss")
    # A rerun (any widget) keeps the last run on screen.
    at.run()
    assert len(charts(at)) == 7 and any("Finished 2 epochs" in s.value for s in at.success)
    # Changing a setting says the view is of the last run.
    at.slider(key="mlp.depth").set_value(5).run()
    assert any("`depth` 3 → 5" in i.value for i in at.info)
    assert len(charts(at)) == 7
    # The gradient charts can show the whole-layer norm instead of the per-weight RMS.
    at.session_state["mlp.grad_measure"] = "grad_norm"
    at.run()
    titles = json.dumps([s.get("layout", {}).get("title", {}) for s in charts(at)])
    assert "gradient norm (L2, whole layer)" in titles


def test_a_long_epoch_says_its_gradients_are_measured_on_one_step_in_n():
    at = app(epochs="2", depth="2", width="8", n_samples="2000")  # 1,400 training points: 44 steps
    at.button[0].click().run()  # Train
    history = at.session_state["mlp.history"]
    assert history.derived["grad_every"] == 2
    assert any("the mean over one step in 2" in a.value for a in [*at.error, *at.warning, *at.success])
    short = app(epochs="2", depth="2", width="8", n_samples="200")  # 5 steps: every one measured
    short.button[0].click().run()
    assert "grad_every" not in short.session_state["mlp.history"].derived
    assert not any("one step in" in a.value for a in [*short.error, *short.warning, *short.success])


def test_diverging_run_says_what_happened():
    at = app(optimizer="sgd", lr="1.0", momentum="0.99", depth="6", width="64", epochs="10")
    at.button[0].click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Diverged" in errors and "learning rate" in errors
    history = at.session_state["mlp.history"]
    assert history.status == "diverged" and len(history.epochs) < 10
