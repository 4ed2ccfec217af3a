"""CNN lab in AppTest: launch with the layer table, share-link restore, bad links, an impossible
architecture explained before training, a short Train that renders every view, and MNIST read from
small IDX files written here. Nothing touches the network: urlopen is replaced by a recorder that
refuses, and every test asserts it was never called."""

from __future__ import annotations

import base64
import json
import os
import struct
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix
from streamlit.testing.v1 import AppTest

from core.contract.config import CNNConfig, to_params
from core.engine.cnn import build_cnn
from core.engine.training import data_for
from core.runs.store import RunStore

ROOT = Path(__file__).resolve().parents[2]
HOME, PAGE = str(ROOT / "dashboard.py"), "pages/7_CNN_Lab.py"


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    """Each test: its own run store and (empty) data folder, and any network request is refused
    and recorded, so a test can prove none was made (local file:// URLs pass through)."""
    monkeypatch.setenv("LAB_RUNS_DB", str(tmp_path / "runs.sqlite"))
    monkeypatch.setenv("LAB_DATASETS_DIR", str(tmp_path / "datasets"))
    attempts: list[str] = []
    real = urllib.request.urlopen

    def refuse(req, *a, **kw):
        url = getattr(req, "full_url", str(req))
        if url.startswith("file:"):
            return real(req, *a, **kw)
        attempts.append(url)
        raise OSError("tests never use the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    yield
    assert attempts == [], f"a test tried to download: {attempts}"


def app(**params: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)  # from the entrypoint, as the server runs it
    at.switch_page(PAGE)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def widget(at: AppTest, name: str):
    return at.session_state[f"cnn.{name}"]


def train_button(at: AppTest):
    (button,) = [b for b in at.button if b.label == "Train"]
    return button


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def title(spec: dict) -> str:
    t = spec.get("layout", {}).get("title")
    return (t.get("text", "") if isinstance(t, dict) else t) or ""


def array(v) -> np.ndarray:
    """A plotly array from the figure JSON: a plain list, or {'dtype', 'bdata'} base64."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def write_mnist(root: Path, n: int = 150, seed: int = 0) -> None:
    """n random 28x28 images as MNIST's IDX training files (the format by its definition)."""
    rng = np.random.default_rng(seed)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, arr in (
        ("train-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
        ("train-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8)),
    ):
        head = struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
        (raw / name).write_bytes(head + arr.tobytes())


def layer_tables(at: AppTest) -> list:
    """The layer tables on the page (the how-it-works tabs hold other tables)."""
    return [d for d in at.dataframe if "output shape" in d.value.columns]


STAGE_NAMES = {
    "conv": "feature maps after the convolution",
    "batch norm": "after batch norm",
    "activation": "activation maps (the feature maps after the activation)",
    "pool": "after pooling",
}


# ------------------------------------------------------------------------------------ tests
def test_launches_with_the_layer_table_and_the_url_holds_the_config():
    at = app()
    assert not at.exception and not at.error
    assert {k: at.query_params[k] for k in to_params(CNNConfig())} == to_params(CNNConfig())
    assert any("Press **Train**" in i.value for i in at.info)
    (table,) = layer_tables(at)
    df = table.value
    assert list(df["layer"]) == [
        "conv1",
        "conv1 pool",
        "conv2",
        "conv2 pool",
        "flatten",
        "dense1",
        "out",
        "total",
    ]
    assert list(df["output shape"][:7]) == [
        "8 x 8 x 8",
        "8 x 4 x 4",
        "16 x 4 x 4",
        "16 x 2 x 2",
        "64",
        "64",
        "10",
    ]
    # parameters against the real modules of the default net on 8x8 digits
    model = build_cnn(CNNConfig(), (1, 8, 8))
    per_layer = {n: sum(p.numel() for p in m.parameters()) for n, m in model.named_children()}
    got = dict(zip(df["layer"], df["parameters"]))
    for name in ("conv1", "conv2", "dense1", "out"):
        assert got[name] == per_layer[name]
    assert got["total"] == sum(per_layer.values())
    assert list(df["receptive field"][:4]) == ["3x3", "4x4", "8x8", "10x10"]
    assert not train_button(at).disabled
    captions = " ".join(c.value for c in at.caption)
    assert "1 x 8 x 8" in captions and "CPU" in captions and os.environ["LAB_DATASETS_DIR"] in captions


def test_share_link_restores_the_controls():
    at = app(conv_layers="1", channels="4", kernel_size="5", pool="avg", padding="0", batch_norm="false")
    assert not at.exception and not at.warning and not at.error
    assert widget(at, "conv_layers") == 1 and widget(at, "channels") == "4"
    assert at.slider(key="cnn.conv_layers").value == 1
    assert at.text_input(key="cnn.channels").value == "4"
    assert at.slider(key="cnn.kernel_size").value == 5
    assert at.selectbox(key="cnn.pool").value == "avg" and at.selectbox(key="cnn.padding").value == "0"
    assert at.toggle(key="cnn.batch_norm").value is False
    df = layer_tables(at)[0].value
    # 8x8, 5x5 kernel, no padding: floor((8 + 0 - 5) / 1) + 1 = 4, avg-pooled to 2
    assert list(df["output shape"][:2]) == ["4 x 4 x 4", "4 x 2 x 2"]
    assert df["parameters"][0] == 1 * 4 * 5 * 5 + 4  # weights + bias (no batch norm)


def test_tampered_link_warns_and_falls_back():
    at = app(kernel_size="99", channels="abc", epochs="3")
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "kernel_size" in notices and "99" in notices
    assert "channels" in notices and "abc" in notices and "default" in notices
    assert (
        widget(at, "kernel_size") == CNNConfig().kernel_size
        and widget(at, "channels") == CNNConfig().channels
    )
    assert widget(at, "epochs") == 3  # good values in the same link are kept
    assert at.query_params["kernel_size"] == "3" and len(layer_tables(at)) == 1


def test_impossible_architecture_is_explained_and_train_disabled():
    at = app(conv_layers="4", channels="8,16,32,64")
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "floor(" in errors and "pool after conv4" in errors
    assert train_button(at).disabled
    assert len(layer_tables(at)) == 0


def test_short_train_renders_every_view():
    at = app(epochs="2", n_train="200")
    train_button(at).click().run()
    assert not at.exception
    assert any("Finished 2 epochs" in s.value for s in at.success)
    specs = charts(at)
    titles = [title(s) for s in specs]
    joined = json.dumps(specs)
    assert "loss (cross-entropy)" in joined  # the loss/accuracy figure's axis
    assert "Gradient per layer, log colour: gradient per weight (RMS)" in titles
    assert "Gradient per layer, log axis: gradient per weight (RMS)" in titles
    assert any(t.startswith("conv1: 8 filters of 1x3x3") for t in titles)
    maps = [t for t in titles if " channels of " in t]
    assert maps == [
        f"{layer}: {STAGE_NAMES[stage]}: {c} channels of {s}x{s}"
        for layer, c, sizes in (("conv1", 8, (8, 8, 8, 4)), ("conv2", 16, (4, 4, 4, 2)))
        for stage, s in zip(("conv", "batch norm", "activation", "pool"), sizes)
    ]
    assert "conv1: activation maps (the feature maps after the activation): 8 channels of 8x8" in maps
    assert "Confusion matrix (validation images)" in titles and "Class probabilities" in titles
    assert "Distributions at epoch 2" in titles
    # the confusion matrix shows the trained net's own counts (scikit-learn as the oracle)
    history = at.session_state["cnn.history"]
    assert history.status == "finished" and history.layers == ["conv1", "conv2", "dense1", "out"]
    split = data_for(CNNConfig(epochs=2, n_train=200), download=False)
    model = history.net()  # the page's copy, made when its views first asked for it
    model.eval()
    with torch.no_grad():
        pred = model(split.x_val).argmax(1)
    (cm,) = [s for s in specs if title(s) == "Confusion matrix (validation images)"]
    shown = array(cm["data"][0]["text"]).reshape(10, 10).astype(int)
    np.testing.assert_array_equal(shown, confusion_matrix(split.y_val, pred, labels=list(range(10))))
    wrong = int((pred != split.y_val).sum())
    assert any(f"Misclassified: {wrong} of {len(pred)}" in m.value for m in at.markdown)
    # the run is kept in the store as a cnn run
    stored = RunStore(os.environ["LAB_RUNS_DB"]).load(history.run_id)
    assert stored["lab"] == "cnn" and stored["status"] == "finished"
    assert [e["val_loss"] for e in stored["epochs"]] == history.series("val_loss")


def test_mnist_from_idx_files_trains_at_28x28():
    write_mnist(Path(os.environ["LAB_DATASETS_DIR"]))
    at = app(dataset="mnist", n_train="100", epochs="1")
    assert not at.exception and not at.error
    assert widget(at, "dataset") == "mnist"
    captions = " ".join(c.value for c in at.caption)
    assert "100 training and 25 validation images of 1 x 28 x 28" in captions
    assert layer_tables(at)[0].value["output shape"][0] == "8 x 28 x 28"
    train_button(at).click().run()
    assert not at.exception
    assert any("Finished 1 epochs" in s.value for s in at.success)
    titles = [title(s) for s in charts(at)]
    assert (
        "conv1: feature maps after the convolution: 8 channels of 28x28" in titles
        and "conv2: after pooling: 16 channels of 7x7" in titles
    )


def test_damaged_mnist_falls_back_to_digits_with_a_message():
    # files present but unreadable: the page reads the folder (no download: the files "exist"),
    # and the loader falls back to the digits, saying why.
    raw = Path(os.environ["LAB_DATASETS_DIR"]) / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"garbage")
    (raw / "train-labels-idx1-ubyte").write_bytes(b"garbage")
    at = app(dataset="mnist", n_train="100")
    assert not at.exception
    messages = " ".join(m.value for m in [*at.info, *at.error, *at.warning])
    assert "MNIST" in messages and "could not be read" in messages and "digits" in messages
    captions = " ".join(c.value for c in at.caption)
    assert "1 x 8 x 8" in captions
    assert not train_button(at).disabled


def test_failed_download_says_why_offers_a_retry_and_uses_the_digits(tmp_path, monkeypatch):
    # An empty folder makes the page download MNIST first. The mirrors are pointed at a local
    # folder that does not exist (file://, as tests/core/engine/test_image_data.py does): the real
    # download code runs and fails at once, and no request leaves the machine.
    from torchvision.datasets import MNIST

    monkeypatch.setattr(MNIST, "mirrors", [(tmp_path / "nowhere").as_uri() + "/"])
    at = app(dataset="mnist", n_train="100")
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "MNIST" in errors and "download failed" in errors and "built-in digits" in errors
    assert os.environ["LAB_DATASETS_DIR"] in errors  # where to put the files by hand
    assert [b.label for b in at.button if "again" in b.label] == ["Try downloading mnist again"]
    assert widget(at, "dataset") == "digits"
    assert "1 x 8 x 8" in " ".join(c.value for c in at.caption)
    assert not train_button(at).disabled
