"""The public names are a contract: a lab's config field names are at once its URL query
parameters, its CLI flags and the keys stored with a run. These tests pin them (a rename fails
here, on purpose: add a field, never rename one) and walk one CNN config through every form it
takes: URL -> config -> CLI -> store -> config -> URL."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from urllib.parse import parse_qsl, urlencode

import pytest

from core.__main__ import build_parser, main
from core.contract.config import CNNConfig, MLPConfig, from_params, from_stored, to_params
from core.runs.store import RunStore

MLP_NAMES = [
    "dataset", "n_samples", "noise", "val_fraction", "depth", "width", "activation", "init", "dropout",
    "batch_norm", "residual", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "seed",
]  # fmt: skip
CNN_NAMES = [
    "dataset", "n_train", "val_fraction", "conv_layers", "channels", "kernel_size", "stride", "padding",
    "pool", "activation", "init", "dropout", "batch_norm", "dense_width", "optimizer", "lr", "lr_schedule",
    "momentum", "weight_decay", "batch_size", "epochs", "seed",
]  # fmt: skip
JSON_KEYS = {
    "lab",
    "config",
    "derived",
    "status",
    "message",
    "seconds",
    "layers",
    "epochs",
    "grad_norm",
    "grad_rms",
}


@pytest.mark.parametrize(("cls", "names"), [(MLPConfig, MLP_NAMES), (CNNConfig, CNN_NAMES)])
def test_every_labs_public_names_are_pinned(cls, names):
    assert [f.name for f in fields(cls)] == names  # a renamed or removed field fails here
    assert list(to_params(cls())) == names  # the URL keys
    flags = {a.dest for a in build_parser()._subparsers._group_actions[0].choices["train"]._actions}
    assert set(names) <= flags  # the CLI flags


def test_the_cli_json_keys_are_pinned(tmp_path):
    out = tmp_path / "run.json"
    assert (
        main(["train", "--model", "cnn", "--epochs", "1", "--n_train", "60", "--json", str(out), "--quiet"])
        == 0
    )
    data = json.loads(out.read_text())
    assert set(data) == JSON_KEYS
    assert list(data["config"]) == CNN_NAMES  # public fields only; derived values beside them
    assert set(data["derived"]) == {"init_used"}
    assert list(data["grad_norm"]) == list(data["grad_rms"]) == data["layers"]


def test_a_cnn_config_keeps_its_values_through_url_cli_store_and_back(tmp_path, monkeypatch):
    cfg = CNNConfig(
        n_train=80, conv_layers=1, channels="6", kernel_size=5, stride=1, padding="2", pool="avg",
        activation="tanh", init="xavier", dropout=0.25, batch_norm=False, dense_width=12, optimizer="sgd",
        lr=0.05, lr_schedule="cosine", momentum=0.5, weight_decay=1e-4, batch_size=16, epochs=1, seed=7,
    )  # fmt: skip
    # URL: the share link's query string parses back to the same config, without a notice
    query = urlencode(to_params(cfg))
    from_url, notices = from_params(CNNConfig, dict(parse_qsl(query)))
    assert from_url == cfg and notices == []
    # CLI: the same values as flags train that config and keep it in the store
    db = tmp_path / "runs.sqlite"
    monkeypatch.setenv("LAB_RUNS_DB", str(db))
    argv = ["train", "--model", "cnn", "--save", "--quiet"] + [
        a for k, v in to_params(from_url).items() for a in (f"--{k}", v)
    ]
    assert main(argv) == 0
    (run,) = RunStore(db).list()
    # store: the stored config is the public fields, and reads back through the codec
    assert run["config"] == asdict(cfg) and run["derived"] == {"init_used": "xavier"}
    back, notices = from_stored(CNNConfig, run["config"])
    assert back == cfg and notices == []
    assert to_params(back) == to_params(cfg)  # and the reopen link is the original link


def test_stored_configs_of_older_runs_read_back_without_their_derived_keys():
    old = {**asdict(MLPConfig(depth=7)), "init_used": "he", "grad_every": 3}
    cfg, notices = from_stored(MLPConfig, old)
    assert cfg == MLPConfig(depth=7) and notices == []
    tampered, notices = from_stored(MLPConfig, {**asdict(MLPConfig()), "depth": 999})
    assert tampered == MLPConfig() and len(notices) == 1 and "depth" in notices[0]
