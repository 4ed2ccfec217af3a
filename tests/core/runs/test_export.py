"""Exports of stored runs: CSV read back with csv, JSON imported back, TensorBoard event files read
back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict

import pytest

from core.contract.config import MLPConfig
from core.engine.models import build_mlp, weight_layers
from core.engine.training import History, data_for, train
from core.runs.export import SCALARS, to_csv, to_json, to_tensorboard
from core.runs.recorder import Recorder
from core.runs.store import RunStore

CONFIGS = [
    MLPConfig(dataset="spiral", n_samples=200, depth=2, width=16, epochs=3),
    MLPConfig(dataset="circle", n_samples=200, depth=3, width=8, epochs=2, activation="tanh"),
]
NAMES = ["relu, depth 2", 'tanh "deep"/3\nlines']  # commas, quotes, a slash and a newline


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[dict]:
    """Two real runs of different depths, recorded epoch by epoch, loaded as the page loads them."""
    store = RunStore(tmp_path_factory.mktemp("export") / "runs.sqlite")
    ids = []
    for cfg, name in zip(CONFIGS, NAMES):
        rec = Recorder(store, "mlp", asdict(cfg), name=name, group="export")
        history = History(config={}, layers=[])
        train(cfg, history=history, on_epoch=rec.on_epoch)
        rec.finish(history)
        ids.append(rec.run_id)
    loaded = [store.load(i) for i in ids]
    assert [len(r["layers"]) for r in loaded] == [3, 4]
    return loaded


def test_csv_one_row_per_run_epoch(runs):
    text = to_csv(runs)
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert len(body) == sum(len(r["epochs"]) for r in runs)

    cfg_keys = list(dict.fromkeys(k for r in runs for k in r["config"]))
    layers = list(dict.fromkeys(n for r in runs for n in r["layers"]))
    assert header[0] == "run_id"
    assert set(cfg_keys) <= set(header) and "init_used" in header
    assert header[-2 * len(layers) - len(SCALARS) - 1 :] == [
        "epoch",
        *SCALARS,
        *[f"grad_norm/{n}" for n in layers],
        *[f"grad_rms/{n}" for n in layers],
    ]
    assert len(header) == len(set(header))
    assert {"name", "lab", "status"} <= set(header)
    assert len(header) == 4 + len(cfg_keys) + 1 + 1 + len(SCALARS) + 2 * len(layers)  # +1: init_used

    by_id = {r["id"]: r for r in runs}
    seen = set()
    for row in body:
        assert len(row) == len(header)
        d = dict(zip(header, row))
        run = by_id[int(d["run_id"])]
        i = int(d["epoch"]) - 1
        e = run["epochs"][i]
        assert e["epoch"] == i + 1
        seen.add((run["id"], e["epoch"]))
        assert d["name"] == run["name"] and d["lab"] == "mlp" and d["status"] == run["status"]
        for k, v in run["config"].items():
            assert d[k] == str(v), k
        for k in SCALARS:
            assert float(d[k]) == e[k]  # repr round-trips a float exactly
        for n in layers:
            if n in run["layers"]:
                assert float(d[f"grad_norm/{n}"]) == run["grad_norm"][n][i]
                assert float(d[f"grad_rms/{n}"]) == run["grad_rms"][n][i]
            else:
                assert d[f"grad_norm/{n}"] == ""  # a layer this run does not have
    assert seen == {(r["id"], e["epoch"]) for r in runs for e in r["epochs"]}


def test_json_export_imports_back(runs, tmp_path):
    text = to_json(runs)

    def no_constants(name):
        raise AssertionError(f"{name} in the export: not valid JSON")

    data = json.loads(text, parse_constant=no_constants)
    assert data["runs"] == json.loads(json.dumps(runs))
    store = RunStore(tmp_path / "b.sqlite")
    ids = store.import_runs(data)
    for new, old in zip(ids, runs):
        got = store.load(new)
        assert got["epochs"] == old["epochs"] and got["grad_norm"] == old["grad_norm"]
        assert got["config"] == old["config"] and got["layers"] == old["layers"]


def numels(run: dict) -> dict[str, int]:
    """Each weight layer's element count, from a freshly built model of the run's config."""
    fields = {k: v for k, v in run["config"].items() if k != "init_used"}
    cfg = MLPConfig(**fields)
    split = data_for(cfg)
    model = build_mlp(cfg, split.x_train.shape[1], split.n_classes)
    return {n: m.weight.numel() for n, m in weight_layers(model).items()}


def test_tensorboard_events_read_back(runs, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = tmp_path / "tb"
    folders = to_tensorboard(runs, out)
    assert len(folders) == len(runs) == len(set(folders))
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in folders)  # one per run
    for folder, run in zip(folders, runs):
        assert folder.parent == out and folder.is_dir()
        assert "/" not in folder.name and "\n" not in folder.name
        assert list(folder.glob("events.out.tfevents.*")), "no events file"
        acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
        acc.Reload()
        tags = acc.Tags()
        steps = [e["epoch"] for e in run["epochs"]]

        for n in run["layers"]:
            events = acc.Scalars(f"grad_norm/{n}")
            assert [ev.step for ev in events] == steps
            for ev, want in zip(events, run["grad_norm"][n]):
                assert ev.value == pytest.approx(want, rel=1e-6)  # stored as float32

        sizes = numels(run)
        assert set(sizes) == set(run["layers"])
        for n in run["layers"]:
            for kind in ("weight", "grad"):
                tag = f"{kind}/{n}"
                assert tag in tags["histograms"], tag
                events = acc.Histograms(tag)
                assert [ev.step for ev in events] == steps
                for ev in events:
                    h = ev.histogram_value
                    assert h.num == sizes[n]
                    assert sum(h.bucket) == sizes[n]
                    assert h.min <= h.max

        last = run["epochs"][-1]
        try:
            hparams_written = bool(acc.PluginTagToContent("hparams"))
        except KeyError:  # no event carried the hparams plugin
            hparams_written = False
        final = [t for t in tags["scalars"] if t.startswith("final/")]
        assert hparams_written or final, "no hyperparameters in the events"
        if "final/val_loss" in tags["scalars"]:
            (ev,) = acc.Scalars("final/val_loss")
            assert ev.value == pytest.approx(last["val_loss"], rel=1e-6)


def test_tensorboard_loss_curves(runs, tmp_path):
    """loss/accuracy go through add_scalars: one sub-folder per curve inside the run's folder."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (folder,) = to_tensorboard(runs[:1], tmp_path)
    run = runs[0]
    for metric, sub in (("loss", "train"), ("loss", "val"), ("accuracy", "train"), ("accuracy", "val")):
        key = f"{sub}_{metric}" if metric == "loss" else f"{sub}_acc"
        acc = EventAccumulator(str(folder / f"{metric}_{sub}"), size_guidance={"scalars": 0})
        acc.Reload()
        events = acc.Scalars(metric)
        assert [ev.step for ev in events] == [e["epoch"] for e in run["epochs"]]
        assert all(
            math.isclose(ev.value, e[key], rel_tol=1e-6, abs_tol=1e-7) for ev, e in zip(events, run["epochs"])
        )
