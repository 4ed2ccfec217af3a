"""The live charts are plain dicts, built without plotly's validation: here plotly validates each
one (a property plotly does not know fails), and the data in each is the run's own."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest

from core.contract.config import MLPConfig
from core.engine.insights import overfit_finding
from core.engine.training import data_for, train
from ui.labs import training_charts as charts
from ui.labs.mlp_charts import MAX_POINTS, decision_figure


@pytest.fixture(scope="module")
def run():
    cfg = MLPConfig(n_samples=300, depth=3, width=16, epochs=12, dataset="circle", noise=0.3)
    split = data_for(cfg)
    return train(cfg, split=split), split


def valid(fig: dict) -> dict:
    go.Figure(fig)  # plotly's full validation: raises on any unknown property or bad value
    return fig


def test_every_live_figure_is_a_valid_plotly_figure_with_the_runs_data(run):
    history, split = run
    loss = valid(charts.loss_figure(history, overfit_finding(history)))
    assert [t["y"] for t in loss["data"][:2]] == [history.series("train_loss"), history.series("val_loss")]
    for measure in ("grad_rms", "grad_norm"):
        heat = valid(charts.grad_heatmap_figure(history, measure))["data"][0]
        want = [
            [round(math.log10(history.epochs[i][measure][n]), 4) for i in range(12)] for n in history.layers
        ]
        assert heat["z"] == want and heat["y"] == history.layers
        lines = valid(charts.grad_lines_figure(history, measure))["data"]
        assert [t["y"] for t in lines] == [history.per_layer(measure)[n] for n in history.layers]
    act = valid(charts.activation_figure(history))["data"]
    assert act[0]["y"] == [history.epochs[-1]["act"][n]["mean"] for n in history.epochs[-1]["act"]]
    valid(charts.distribution_figure(history, 3, history.layers))
    boundary = valid(decision_figure(history, split))
    assert boundary["data"][0]["type"] == "heatmap" and len(boundary["data"][0]["z"]) == 80


def test_the_overfitting_marker_is_drawn_on_both_plots():
    from core.contract.presets import PRESETS

    history = train(MLPConfig(**PRESETS["overfitting"].fields))
    finding = overfit_finding(history)
    assert finding.overfitting
    fig = valid(charts.loss_figure(history, finding))
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [finding.best_epoch] * 2
    kept = fig["data"][0]["x"]
    assert len(kept) <= charts.MAX_POINTS + 1 or len(history.epochs) <= charts.MAX_POINTS
    assert finding.best_epoch in kept  # thinning keeps the marked epoch


def test_long_runs_are_thinned_to_what_a_chart_can_show():
    idx = charts.thin(2000, keep=(1234,))
    assert idx[0] == 0 and idx[-1] == 1999 and 1234 in idx
    assert len(idx) <= charts.MAX_POINTS + 1 and idx == sorted(set(idx))
    assert charts.thin(50) == list(range(50))


def test_the_boundary_draws_at_most_max_points_per_set():
    cfg = MLPConfig(n_samples=6000)
    split = data_for(cfg)
    fig = valid(decision_figure(None, split))
    assert [len(t["x"]) for t in fig["data"]] == [MAX_POINTS, MAX_POINTS]


def test_runs_from_before_the_rms_fall_back_to_the_norm(run):
    history, _split = run
    from core.engine.training import History

    old = History(config={}, layers=history.layers, epochs=[{k: v for k, v in r.items() if k != "grad_rms"}
                                                             for r in history.epochs])  # fmt: skip
    assert charts.measure_of(old) == "grad_norm"
    title = valid(charts.grad_lines_figure(old))["layout"]["title"]["text"]
    assert "norm" in title
