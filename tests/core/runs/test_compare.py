"""Comparisons: TensorBoard smoothing, config diffs, one-knob plans, and real plans run into a store."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.contract.config import MLPConfig, changed_fields
from core.runs.compare import COMPARISONS, config_diff, ema, final_ratio, ratio_by_depth, run_plan
from core.runs.store import RunStore

SMALL = MLPConfig(dataset="spiral", n_samples=200, depth=6, width=16, epochs=3)


# -- ema ----------------------------------------------------------------------------------------------
def reference_ema(values: list, weight: float) -> list:
    """TensorBoard's debiased EMA written out: after n finite points,
    last_n = w * last_{n-1} + (1 - w) * v_n and smoothed_n = last_n / (1 - w**n),
    i.e. the average of v_1..v_n weighted by w**(n - i). Non-finite points pass through."""
    out, kept = [], []
    for v in values:
        if v is None or not math.isfinite(v):
            out.append(v)
            continue
        kept.append(v)
        n = len(kept)
        weights = [weight ** (n - i) for i in range(1, n + 1)]  # 0**0 == 1: weight 0 keeps v_n
        out.append(sum(w * x for w, x in zip(weights, kept)) / sum(weights))
    return out


def same(a, b) -> bool:
    return (a is None and b is None) or (isinstance(a, float) and math.isnan(a) and math.isnan(b)) or a == b


@settings(max_examples=150, deadline=None, database=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60),
    weight=st.sampled_from([0.1, 0.3, 0.6, 0.9, 0.99]) | st.floats(0.01, 0.99),
)
def test_ema_matches_tensorboard_formula(values, weight):
    got, want = ema(values, weight), reference_ema(values, weight)
    assert len(got) == len(values)
    scale = max(abs(v) for v in values)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-7, abs=1e-9 * scale + 1e-12)
    assert got[0] == pytest.approx(values[0], rel=1e-12)  # debiased: not pulled towards zero


@settings(max_examples=60, deadline=None, database=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), max_size=30))
def test_ema_weight_zero_is_identity(values):
    got = ema(values, 0)
    assert len(got) == len(values) and all(same(g, v) for g, v in zip(got, values))


def test_ema_skips_gaps_without_counting_them():
    values = [1.0, None, 3.0, math.nan, 2.0, math.inf, 5.0]
    for weight in (0.0, 0.5, 0.9):
        got = ema(values, weight)
        assert got[1] is None and math.isnan(got[3]) and got[5] == math.inf
        finite = [v for v in values if v is not None and math.isfinite(v)]
        assert [got[i] for i in (0, 2, 4, 6)] == pytest.approx(reference_ema(finite, weight))
    assert ema([], 0.6) == []
    assert ema([4.0] * 10, 0.9) == pytest.approx([4.0] * 10)  # a flat curve stays flat


# -- config_diff ----------------------------------------------------------------------------------
def test_config_diff_lists_exactly_the_differing_keys():
    a = {**asdict(SMALL), "init_used": "he"}
    b = {**asdict(replace(SMALL, activation="sigmoid", lr=0.1)), "init_used": "xavier"}
    c = {**asdict(replace(SMALL, lr=0.1)), "init_used": "he"}
    assert config_diff([a, b, c]) == {"activation": ["relu", "sigmoid", "relu"], "lr": [0.01, 0.1, 0.1]}
    assert config_diff([a, c]) == {"lr": [0.01, 0.1]}
    assert config_diff([a, {**a, "init_used": "xavier"}]) == {}  # init_used follows the others
    assert config_diff([a, dict(a)]) == {}
    assert config_diff([a]) == {}
    assert config_diff([]) == {}
    assert list(config_diff([{"x": 1, "y": 2}, {"x": 1}])) == ["y"]  # a key missing from one
    assert config_diff([{"x": 1}, {"x": 1, "y": 2}]) == {"y": [None, 2]}


FIELD_VALUES = {
    "activation": ["relu", "sigmoid", "tanh"],
    "depth": [1, 4, 10],
    "lr": [0.01, 0.1, 0.001],
    "dropout": [0.0, 0.5],
    "batch_norm": [False, True],
    "optimizer": ["adam", "sgd"],
    "seed": [0, 3],
}


@settings(max_examples=80, deadline=None, database=None)
@given(
    st.lists(
        st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in FIELD_VALUES.items()}),
        min_size=2,
        max_size=4,
    )
)
def test_config_diff_agrees_with_changed_fields(overrides):
    cfgs = [replace(SMALL, **o) for o in overrides]
    dicts = [{**asdict(c), "init_used": str(i)} for i, c in enumerate(cfgs)]
    differing = set().union(*(changed_fields(x, y) for x, y in itertools.combinations(cfgs, 2)))
    diff = config_diff(dicts)
    assert set(diff) == differing
    for k, vals in diff.items():
        assert vals == [getattr(c, k) for c in cfgs]


# -- the plans ------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(COMPARISONS))
def test_every_plan_varies_its_knob_and_keeps_the_seed(key):
    base = replace(SMALL, seed=1234, epochs=40)
    plan = COMPARISONS[key].plan(base)
    labels, cfgs = [label for label, _ in plan], [cfg for _, cfg in plan]
    assert len(plan) >= 2 and len(set(labels)) == len(labels)
    assert all(isinstance(c, MLPConfig) for c in cfgs)
    assert all(c.seed == base.seed for c in cfgs)  # same data, init and batch order in every run
    pairs = [changed_fields(x, y) for x, y in itertools.combinations(cfgs, 2)]
    assert all(pairs), "two runs of the plan are the same config"
    if key == "depth_sweep":
        assert all(set(p) <= {"activation", "depth"} for p in pairs)
        assert {(c.activation, c.depth) for c in cfgs} == {
            (a, d) for a in {c.activation for c in cfgs} for d in {c.depth for c in cfgs}
        }  # a full grid
        assert len({c.activation for c in cfgs}) >= 2 and len({c.depth for c in cfgs}) >= 3
        assert all(c.epochs <= base.epochs for c in cfgs)
        return
    knobs = {k for p in pairs for k in p}
    assert len(knobs) == 1, knobs
    (knob,) = knobs
    assert all(set(p) == {knob} for p in pairs)
    values = [getattr(c, knob) for c in cfgs]
    assert len(set(values)) == len(values)
    for label, value in zip(labels, values):
        assert knob in label and str(value) in label


# -- run_plan into a real store ---------------------------------------------------------------------
def small_plan(base: MLPConfig = SMALL) -> list[tuple[str, MLPConfig]]:
    return COMPARISONS["sigmoid_relu"].plan(base)


def test_run_plan_files_every_run_under_one_group(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    other = store.create("mlp", {"depth": 1})  # not part of the plan
    plan = small_plan()
    runs_seen, epochs_seen = [], []

    group = run_plan(
        store,
        "sigmoid_relu",
        plan,
        on_run=lambda i, label, h: runs_seen.append((i, label, h)),
        on_epoch=lambda i, r: epochs_seen.append((i, r["epoch"])),
    )
    assert group.startswith("sigmoid_relu")
    assert [(i, label) for i, label, _ in runs_seen] == [(i, label) for i, (label, _) in enumerate(plan)]
    assert epochs_seen == [(i, e) for i in range(len(plan)) for e in range(1, SMALL.epochs + 1)]

    filed = sorted(store.list(group=group), key=lambda r: r["id"])
    assert [r["name"] for r in filed] == [label for label, _ in plan]
    assert other not in {r["id"] for r in filed}
    for run, (_, _, history), (_, cfg) in zip(filed, runs_seen, plan):
        assert history.run_id == run["id"]
        assert run["status"] == "finished" and run["group"] == group
        assert run["tags"] == ["sigmoid_relu"] and run["lab"] == "mlp"
        assert run["n_epochs"] == cfg.epochs
        assert {k: run["config"][k] for k in asdict(cfg)} == asdict(cfg)
        loaded = store.load(run["id"])
        assert loaded["grad_norm"] == history.grad_norm()
        assert [e["val_loss"] for e in loaded["epochs"]] == history.series("val_loss")

    again = run_plan(store, "sigmoid_relu", plan[:1])
    assert again != group
    assert len(store.list(group=group)) == len(plan) and len(store.list(group=again)) == 1


def test_should_stop_after_the_first_run(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    group = run_plan(
        store, "sigmoid_relu", small_plan(), should_stop=lambda: bool(store.list(status="finished"))
    )
    runs = store.list()
    assert len(runs) == 1
    (run,) = runs
    assert run["group"] == group and run["status"] == "finished" and run["n_epochs"] == SMALL.epochs
    assert run["name"] == small_plan()[0][0]


def test_stop_in_the_second_run_keeps_its_committed_epochs(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    epochs_done = []
    group = run_plan(
        store,
        "sigmoid_relu",
        small_plan(),
        on_epoch=lambda i, r: epochs_done.append(i),
        should_stop=lambda: len(epochs_done) >= SMALL.epochs + 1,
    )
    first, second = sorted(store.list(group=group), key=lambda r: r["id"])
    assert (first["status"], first["n_epochs"]) == ("finished", SMALL.epochs)
    assert (second["status"], second["n_epochs"]) == ("stopped", 1)
    assert [e["epoch"] for e in store.epochs(second["id"])] == [1]


def test_ratio_by_depth_from_a_small_sweep(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite")
    base = replace(SMALL, epochs=2)
    plan = [
        (label, cfg)
        for label, cfg in COMPARISONS["depth_sweep"].plan(base)
        if cfg.depth in (2, 6, 10) and cfg.activation in ("sigmoid", "relu")
    ]
    assert len(plan) == 6
    group = run_plan(store, "depth_sweep", plan)
    runs = [store.load(r["id"]) for r in store.list(group=group)]
    assert len(runs) == 6 and all(r["status"] == "finished" for r in runs)

    by = ratio_by_depth(runs)
    assert set(by) == {"sigmoid", "relu"}
    for act, points in by.items():
        assert [d for d, _ in points] == [2, 6, 10]
        for depth, ratio in points:
            (run,) = [r for r in runs if r["config"]["activation"] == act and r["config"]["depth"] == depth]
            g = run["grad_norm"]
            assert ratio == pytest.approx(g["layer1"][-1] / g["out"][-1])  # first / last, last epoch
            assert final_ratio(run) == ratio
    sig = [r for _, r in by["sigmoid"]]
    relu = dict(by["relu"])
    assert sig[0] > sig[1] > sig[2]  # the vanishing-gradient curve
    assert sig[2] < relu[10] / 100


def test_final_ratio_needs_two_layers_and_an_epoch():
    run = {
        "config": {"activation": "relu", "depth": 1},
        "layers": ["layer1", "out"],
        "epochs": [{"epoch": 1}, {"epoch": 2}],
        "grad_norm": {"layer1": [9.0, 0.5], "out": [1.0, 2.0]},
    }
    assert final_ratio(run) == 0.25  # the last epoch's, not the first's
    assert final_ratio({**run, "epochs": [], "grad_norm": {"layer1": [], "out": []}}) is None
    assert final_ratio({**run, "layers": ["out"]}) is None
    stopped_early = {**run, "layers": [], "epochs": [], "grad_norm": {}}  # stopped before epoch 1
    assert ratio_by_depth([run, stopped_early]) == {"relu": [(1, 0.25)]}
