"""The CNN lab through the one training loop and the CLI: it learns the digits, records every layer,
is reproducible, catches divergence, stops when asked, and `python -m core train --model cnn` keeps
the MLP lab's JSON contract. MNIST-shaped runs read small IDX files written here (nothing downloads)."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from core.__main__ import main
from core.contract.config import CNNConfig, MLPConfig
from core.engine.cnn import architecture
from core.engine.devices import pick_device
from core.engine.labs import LABS, lab_of
from core.engine.training import GRAD_SAMPLES, CannotTrain, History, data_for, problems, train
from core.runs.store import RunStore

LAYERS = ["conv1", "conv2", "dense1", "out"]


@pytest.fixture(autouse=True)
def _tmp_dirs(tmp_path, monkeypatch):
    """Every data folder and the run store in tmp: no test reads or writes the user's files."""
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LAB_DATASETS_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "runs.sqlite"))


def small(**kw) -> CNNConfig:
    return CNNConfig(**{"n_train": 200, "epochs": 2, **kw})


# ---------------------------------------------------------------------------- IDX files, written here
def write_idx(path: Path, arr: np.ndarray) -> Path:
    """IDX by the format's definition: 0x00 0x00, type 0x08 (ubyte), ndim, big-endian uint32 dims, data."""
    head = struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + arr.astype(np.uint8).tobytes())
    return path


def write_mnist(root: Path, n: int = 150, seed: int = 0) -> None:
    """n random 28x28 images with labels 0-9 as MNIST's training files in <root>/MNIST/raw."""
    rng = np.random.default_rng(seed)
    raw = root / "MNIST" / "raw"
    write_idx(raw / "train-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
    write_idx(raw / "train-labels-idx1-ubyte", np.arange(n) % 10)


def flat_units(shape: tuple[int, int, int], cfg: CNNConfig) -> int:
    """Units after the conv stack, by running plain torch layers on a zero image."""
    x = torch.zeros(1, *shape)
    for c_out in cfg.channel_list:
        x = nn.MaxPool2d(2)(nn.Conv2d(x.shape[1], c_out, cfg.kernel_size, padding=cfg.pad)(x))
    return x.numel()


# ------------------------------------------------------------------------------------ the loop
def test_lab_registry():
    assert lab_of(CNNConfig()) is LABS["cnn"] and lab_of(MLPConfig()) is LABS["mlp"]
    assert LABS["cnn"].page == "pages/7_CNN_Lab.py" and LABS["cnn"].slug == "CNN_Lab"
    assert Path(LABS["cnn"].page).name in {p.name for p in (Path(__file__).parents[3] / "pages").iterdir()}
    with pytest.raises(TypeError):
        lab_of(object())
    assert problems(CNNConfig()) == [] and problems(CNNConfig(), (1, 28, 28)) == []
    assert any("floor(" in p for p in problems(CNNConfig(conv_layers=4, channels="8,16,32,64")))


def test_short_digits_run_learns_and_records_every_layer():
    cfg = CNNConfig(n_train=500, epochs=5)  # measured: val_acc 0.90 after 5 epochs in about 0.7 s
    seen = []
    h = train(cfg, on_epoch=seen.append)
    assert h.status == "finished" and h.lab == "cnn" and h.message == ""
    assert h.layers == LAYERS
    assert len(h.epochs) == 5 and seen == h.epochs
    assert "grad_every" not in h.derived and h.config == asdict(cfg)  # 13 steps an epoch: every one measured
    for r in h.epochs:
        assert set(r["grad_norm"]) == set(LAYERS)
        assert all(math.isfinite(v) and v > 0 for v in r["grad_norm"].values())
        assert all(math.isfinite(r[k]) for k in ("train_loss", "val_loss", "train_acc", "val_acc"))
        assert set(r["hist"]) == set(LAYERS)
    assert h.series("val_acc")[-1] > 0.8  # chance is 0.1
    assert h.series("train_loss")[-1] < h.series("train_loss")[0]
    assert h.derived["init_used"] == "he" and h.config["dataset"] == "digits"
    # the recorded accuracy is the model's: recompute it on the validation split by hand
    split = data_for(cfg, download=False)
    h.model.eval()
    with torch.no_grad():
        acc = (h.model(split.x_val).argmax(1) == split.y_val).float().mean().item()
    assert acc == pytest.approx(h.series("val_acc")[-1], abs=1e-6)
    # weight histograms count every weight of each layer
    for name, module in (
        ("conv1", h.model.conv1.conv),
        ("dense1", h.model.dense1.linear),
        ("out", h.model.out),
    ):
        assert sum(h.epochs[-1]["hist"][name]["weight"]["counts"]) == module.weight.numel()


def test_json_contract_matches_the_mlp_labs():
    cnn = train(small()).to_dict()
    mlp = train(MLPConfig(dataset="spiral", n_samples=200, depth=2, width=8, epochs=2)).to_dict()
    assert set(cnn) == set(mlp)
    assert set(cnn["epochs"][0]) == set(mlp["epochs"][0])
    assert cnn["lab"] == "cnn" and mlp["lab"] == "mlp"
    assert cnn["layers"] == LAYERS and list(cnn["grad_norm"]) == LAYERS
    assert all(len(v) == 2 for v in cnn["grad_norm"].values())
    assert json.loads(json.dumps(cnn)) == cnn  # plain JSON all the way down


def test_same_seed_same_run_other_seed_other_run():
    cfg = small(dropout=0.3)
    torch.manual_seed(1)  # the global RNG must not matter
    a = train(cfg)
    torch.manual_seed(2)
    before = torch.get_rng_state()
    b = train(cfg)
    assert torch.equal(torch.get_rng_state(), before)  # and is not touched either
    assert a.series("val_loss") == b.series("val_loss")
    assert a.grad_norm() == b.grad_norm()
    c = train(small(dropout=0.3, seed=1))
    assert c.series("val_loss") != a.series("val_loss")


def test_diverged_run_stops_and_keeps_earlier_epochs():
    # measured: SGD at lr 5 with batch norm has one finite epoch, then the loss becomes NaN
    cfg = small(optimizer="sgd", lr=5.0, epochs=6)
    seen = []
    h = train(cfg, on_epoch=seen.append)
    assert h.status == "diverged"
    assert 1 <= len(h.epochs) < cfg.epochs and seen == h.epochs
    assert (
        f"in epoch {len(h.epochs) + 1}" in h.message
        and f"{len(h.epochs)} epochs before it are kept" in h.message
    )
    assert all(math.isfinite(r["train_loss"]) and math.isfinite(r["val_loss"]) for r in h.epochs)


def test_lr_ten_sgd_diverges_at_once():
    h = train(small(optimizer="sgd", lr=10.0, epochs=3))
    assert h.status == "diverged" and "in epoch 1" in h.message and h.epochs == []


def test_should_stop():
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    h = train(small(epochs=5), should_stop=stop)
    assert h.status == "stopped" and len(h.epochs) == 2 and "after 2 epochs" in h.message


def test_impossible_config_raises_before_training():
    with pytest.raises(CannotTrain, match=r"floor\("):
        train(CNNConfig(conv_layers=4, channels="8,16,32,64", epochs=1))


def test_data_for_never_downloads_and_falls_back_with_a_notice(tmp_path):
    split = data_for(CNNConfig(dataset="mnist", n_train=100), download=False)  # empty folder
    assert (
        split.dataset == "digits" and "MNIST" in split.notice and str(tmp_path / "datasets") in split.notice
    )
    assert tuple(split.x_train.shape[1:]) == (1, 8, 8)


def test_mnist_from_idx_files_trains_at_28x28(tmp_path):
    write_mnist(tmp_path / "datasets")
    cfg = CNNConfig(dataset="mnist", n_train=100, epochs=1)
    split = data_for(cfg, download=False)
    assert split.dataset == "mnist" and split.notice == "" and str(tmp_path / "datasets") in split.source
    assert tuple(split.x_train.shape[1:]) == (1, 28, 28)
    rows = architecture(cfg, (1, 28, 28)).rows
    assert rows[0].name == "conv1" and rows[0].shape == (8, 28, 28)
    h = train(cfg, split=split)
    assert h.status == "finished" and h.layers == LAYERS
    assert h.model.dense1.linear.in_features == flat_units((1, 28, 28), cfg) == 16 * 7 * 7


# ------------------------------------------------------------------------------------ the CLI
def call_main(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_subprocess_json_contract(tmp_path, repo_root):
    out = tmp_path / "run.json"
    proc = subprocess.run(
        [sys.executable, "-m", "core", "train", "--model", "cnn", "--epochs", "2", "--n_train", "200",
         "--device", "cpu", "--json", str(out)],
        cwd=repo_root, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("training on cpu: 200 train / 50 validation")
    assert [ln.split()[1] for ln in lines if ln.startswith("epoch")] == ["1", "2"]
    assert lines[-1].startswith("finished after 2 epochs")
    d = json.loads(out.read_text())
    assert d["lab"] == "cnn" and d["status"] == "finished" and d["layers"] == LAYERS
    assert [r["epoch"] for r in d["epochs"]] == [1, 2]
    assert d["config"]["n_train"] == 200 and d["config"]["channels"] == "8,16" and d["config"]["epochs"] == 2
    assert list(d["grad_norm"]) == LAYERS and all(len(v) == 2 for v in d["grad_norm"].values())
    for ln, r in zip([ln for ln in lines if ln.startswith("epoch")], d["epochs"]):
        assert f"val_loss {r['val_loss']:.4f}" in ln


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--depth", "3"], ["--depth", "cnn"]),
        (["--channels", "8,x"], ["channels", "'x'"]),
        (
            ["--conv_layers", "4", "--channels", "8,16,32,64", "--kernel_size", "3"],
            ["floor(", "pool after conv4"],
        ),
        (["--conv_layers", "3"], ["3 conv layers need 3 channel counts"]),
        (["--padding", "valid"], ["padding"]),
        (["--kernel_size", "9"], ["kernel_size"]),
    ],
)
def test_cli_bad_cnn_settings_exit_2_with_one_line(flags, words, capsys):
    code, out, err = call_main(
        ["train", "--model", "cnn", "--epochs", "1", "--n_train", "100", *flags], capsys
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error:")
    for w in words:
        assert w in err
    assert "epoch" not in out


def test_cli_mnist_from_idx_files(tmp_path, capsys):
    write_mnist(tmp_path / "datasets")
    out = tmp_path / "mnist.json"
    code, stdout, err = call_main(
        ["train", "--model", "cnn", "--dataset", "mnist", "--n_train", "100", "--epochs", "1",
         "--device", "cpu", "--json", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "training on cpu: 100 train / 25 validation" in stdout
    d = json.loads(out.read_text())
    assert d["config"]["dataset"] == "mnist" and d["status"] == "finished"
    # the dense layer's weight count proves the net saw 28x28 images (8x8 digits would give 16*2*2*64)
    assert (
        sum(d["epochs"][0]["hist"]["dense1"]["weight"]["counts"]) == flat_units((1, 28, 28), CNNConfig()) * 64
    )


def test_cli_damaged_mnist_is_an_error_not_a_silent_switch(tmp_path, capsys):
    raw = tmp_path / "datasets" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"not an idx file")
    (raw / "train-labels-idx1-ubyte").write_bytes(b"nor this")
    code, out, err = call_main(["train", "--model", "cnn", "--dataset", "mnist", "--epochs", "1"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "MNIST" in err and "could not be read" in err and "epoch" not in out


def test_cli_save_keeps_the_run(tmp_path, capsys):
    code, out, err = call_main(
        ["train", "--model", "cnn", "--epochs", "2", "--n_train", "100", "--device", "cpu", "--save",
         "--name", "tiny cnn", "--quiet"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert "saved as run #" in out
    store = RunStore(tmp_path / "runs.sqlite")
    (run,) = store.list()
    assert run["lab"] == "cnn" and run["name"] == "tiny cnn" and run["status"] == "finished"
    loaded = store.load(run["id"])
    assert loaded["layers"] == LAYERS and [e["epoch"] for e in loaded["epochs"]] == [1, 2]
    assert loaded["config"]["n_train"] == 100
    assert store.list(lab="mlp") == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_cli_cuda_without_a_gpu_is_one_line(capsys):
    code, out, err = call_main(
        ["train", "--model", "cnn", "--epochs", "1", "--n_train", "100", "--device", "cuda"], capsys
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cuda" in err.lower()


def test_pick_device():
    assert pick_device("mlp") == "cpu"  # tiny nets: kernel launches would dominate on a GPU
    assert pick_device("cnn") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_run_samples_the_gradient_norms():
    cfg = CNNConfig(n_train=1400, epochs=2)
    h = train(cfg, device="cuda")
    assert h.status == "finished" and next(h.model.parameters()).device.type == "cuda"
    steps = math.ceil(1400 / 32)  # 44 steps: every (44 // 16)-th step is measured
    every = max(1, steps // GRAD_SAMPLES)
    assert h.derived["grad_every"] == every > 1 and "grad_every" not in h.config
    for r in h.epochs:
        assert set(r["grad_norm"]) == set(LAYERS)
        assert all(math.isfinite(v) and v > 0 for v in r["grad_norm"].values())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_run_with_dropout_is_reproducible():
    """The CNN lab's defaults plus dropout 0.5 on the GPU: seeded masks drawn on the GPU."""
    cfg = CNNConfig(n_train=600, epochs=3, dropout=0.5)
    a, b = train(cfg, device="cuda"), train(cfg, device="cuda")
    assert (
        a.status == b.status == "finished"
        and a.model.dense1.drop.generator_for(torch.device("cuda")).device.type == "cuda"
    )
    assert a.series("train_loss")[-1] < a.series("train_loss")[0]
    assert a.series("train_loss") == pytest.approx(b.series("train_loss"), rel=1e-4)


def test_history_is_plain_data():
    h = History(config={}, layers=[], lab="cnn")
    assert h.to_dict()["lab"] == "cnn" and h.to_dict()["epochs"] == []


def test_cosine_schedule_follows_the_formula_and_constant_leaves_lr_alone():
    from core.engine.training import set_lr

    model = torch.nn.Linear(2, 2)
    for schedule in ("cosine", "constant"):
        cfg = CNNConfig(lr=0.01, epochs=8, lr_schedule=schedule)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        for done in range(1, cfg.epochs + 1):
            set_lr(cfg, opt, done)
            want = (
                cfg.lr * (1 + math.cos(math.pi * done / cfg.epochs)) / 2 if schedule == "cosine" else cfg.lr
            )
            assert opt.param_groups[0]["lr"] == pytest.approx(want, abs=1e-12)
    assert opt.param_groups[0]["lr"] == 0.01


def test_cosine_run_matches_constant_for_one_epoch_then_departs():
    base = dict(n_train=200, epochs=3, seed=4)
    split = data_for(CNNConfig(**base), download=False)
    const = train(CNNConfig(**base), split=split)
    cosine = train(CNNConfig(**base, lr_schedule="cosine"), split=split)
    assert cosine.epochs[0]["val_loss"] == const.epochs[0]["val_loss"]  # lr is lowered after epoch 1
    assert cosine.epochs[-1]["val_loss"] != const.epochs[-1]["val_loss"]
