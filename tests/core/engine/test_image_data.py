"""Image data sets: digits split maths, IDX and CIFAR files written here by hand and read through the
real loader (checked against torchvision's own readers), fallbacks with notices, and no network."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from core.engine.image_data import (
    IMAGE_DATASETS,
    datasets_dir,
    is_available,
    load_idx_pair,
    load_images,
    normalize,
    unnormalize,
)

SHARED_MNIST = Path(__file__).resolve().parents[4] / "shared" / "data" / "mnist"
FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}


# ------------------------------------------------------------------------------------ writing test files
def write_idx(path: Path, arr: np.ndarray, gz: bool = False) -> Path:
    """IDX by the format's definition: 0x00 0x00, type 0x08 (ubyte), ndim, big-endian uint32 dims, data."""
    head = struct.pack(">BBBB", 0, 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    blob = head + arr.astype(np.uint8).tobytes()
    path = path.with_name(path.name + ".gz") if gz else path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(blob) if gz else blob)
    return path


def random_pool(n: int, seed: int, shape=(28, 28)) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8), rng.integers(0, 10, n).astype(np.int64)


def write_mnist(root: Path, name: str, x, y, split: str = "train", gz: bool = False) -> tuple[Path, Path]:
    raw = root / FOLDERS[name] / "raw"
    return (
        write_idx(raw / f"{split}-images-idx3-ubyte", x, gz),
        write_idx(raw / f"{split}-labels-idx1-ubyte", y.astype(np.uint8), gz),
    )


def write_cifar(folder: Path, batches: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """CIFAR's python layout: a pickled dict per batch, 'data' (n, 3072) uint8 R|G|B planes, 'labels'."""
    folder.mkdir(parents=True, exist_ok=True)
    for fname, (x, y) in batches.items():
        entry = {"batch_label": fname, "data": x.reshape(len(x), 3072), "labels": [int(v) for v in y]}
        (folder / fname).write_bytes(pickle.dumps(entry, protocol=2))


def cifar_batches(per_batch: int = 4) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {f"data_batch_{i}": random_pool(per_batch, 100 + i, (3, 32, 32)) for i in range(1, 6)}


def as_bytes(split, name: str, scale: int = 255) -> list[tuple[bytes, int]]:
    """(image bytes, label) for every image of a split, recovered through unnormalize."""
    out = []
    for x, y in ((split.x_train, split.y_train), (split.x_val, split.y_val)):
        v = unnormalize(x, name).numpy() * scale
        assert np.abs(v - np.round(v)).max() < 1e-3, "pixel values come back as whole numbers"
        out += [(img.tobytes(), int(lab)) for img, lab in zip(np.round(v).astype(np.uint8), y.tolist())]
    return out


# -------------------------------------------------------------------------------------------- registry
def test_registry_shapes_and_names():
    assert list(IMAGE_DATASETS) == ["digits", "mnist", "fashion_mnist", "cifar10"]
    shapes = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28), "cifar10": (3, 32, 32)}
    for name, spec in IMAGE_DATASETS.items():
        assert spec.name == name and spec.shape == shapes[name]
        assert len(spec.class_names) == spec.n_classes == 10
        assert len(spec.mean) == len(spec.std) == spec.shape[0] and min(spec.std) > 0
        assert spec.embedded == (name == "digits") and spec.blurb


def test_digits_constants_are_its_pixel_statistics():
    x = load_digits().images / 16.0
    assert IMAGE_DATASETS["digits"].mean[0] == pytest.approx(x.mean(), abs=5e-4)
    assert IMAGE_DATASETS["digits"].std[0] == pytest.approx(x.std(), abs=5e-4)


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no real MNIST files in ../shared/data/mnist")
def test_mnist_constants_are_close_to_the_real_test_set():
    # the constants are the 60,000 training images'; the 10,000 test images differ by ~0.002
    with gzip.open(SHARED_MNIST / "t10k-images-idx3-ubyte.gz") as fh:
        x = np.frombuffer(fh.read(), np.uint8, offset=16) / 255.0
    assert IMAGE_DATASETS["mnist"].mean[0] == pytest.approx(x.mean(), abs=0.005)
    assert IMAGE_DATASETS["mnist"].std[0] == pytest.approx(x.std(), abs=0.005)


@pytest.mark.parametrize("name", list(IMAGE_DATASETS))
def test_normalize_matches_torchvision_and_round_trips(name):
    from torchvision.transforms import Normalize

    spec = IMAGE_DATASETS[name]
    x01 = torch.rand(5, *spec.shape, generator=torch.Generator().manual_seed(0))
    expected = Normalize(spec.mean, spec.std)(x01)
    torch.testing.assert_close(normalize(x01, name), expected)
    torch.testing.assert_close(normalize(x01[0], name), expected[0])  # one (C, H, W) image too
    torch.testing.assert_close(unnormalize(expected, name), x01, atol=1e-6, rtol=0)
    assert unnormalize(torch.full((1, *spec.shape), 50.0), name).max() == 1.0  # clamped for display
    u8 = (x01 * 255).round().to(torch.uint8)  # uint8 pixels mean 0..255
    torch.testing.assert_close(normalize(u8, name), Normalize(spec.mean, spec.std)(u8.float() / 255))
    with pytest.raises(ValueError, match="channel"):
        normalize(torch.rand(2, 2 if spec.shape[0] == 1 else 1, 8, 8), name)


# ----------------------------------------------------------------------------------------------- digits
def test_digits_split_shapes_dtypes_and_source():
    s = load_images("digits", 400, 0.2, seed=0)
    assert s.x_train.shape == (400, 1, 8, 8) and s.x_val.shape == (100, 1, 8, 8)
    assert s.x_train.dtype == s.x_val.dtype == torch.float32
    assert s.y_train.dtype == s.y_val.dtype == torch.int64 and s.y_train.shape == (400,)
    assert (s.dataset, s.n_classes, s.class_names) == ("digits", 10, tuple("0123456789"))
    assert s.notice == "" and "load_digits" in s.source


@pytest.mark.parametrize(("n_train", "frac"), [(100, 0.2), (333, 0.1), (50, 0.5), (999, 0.25), (7, 0.3)])
def test_validation_size_is_the_held_out_share(n_train, frac):
    s = load_images("digits", n_train, frac, seed=1)
    assert len(s.y_train) == n_train
    assert len(s.y_val) == round(n_train * frac / (1 - frac))  # so val / (train + val) = frac


def test_digits_round_trip_to_the_original_pixels_and_disjoint():
    d = load_digits()
    pool = Counter((img.astype(np.uint8).tobytes(), int(t)) for img, t in zip(d.images, d.target))
    s = load_images("digits", 800, 0.2, seed=3)
    got = Counter(as_bytes(s, "digits", scale=16))
    assert sum(got.values()) == 1000
    # every image is an original one with its own label, none used twice (the 1,797 are all distinct)
    assert not got - pool and max(got.values()) == 1


def test_digits_capped_uses_the_whole_pool_once_and_says_so():
    s = load_images("digits", 5000, 0.2, seed=0)
    assert len(s.y_train) + len(s.y_val) == 1797
    assert len(s.y_val) == round(1797 * 0.2)
    assert "1,797" in s.notice and "5,000" in s.notice
    d = load_digits()
    pool = Counter((img.astype(np.uint8).tobytes(), int(t)) for img, t in zip(d.images, d.target))
    assert Counter(as_bytes(s, "digits", scale=16)) == pool  # a partition of all 1,797 images


def test_same_seed_same_split_other_seed_other_split_global_rng_untouched():
    torch_state, np_state = torch.random.get_rng_state(), np.random.get_state()
    a, b = load_images("digits", 300, 0.2, seed=5), load_images("digits", 300, 0.2, seed=5)
    c = load_images("digits", 300, 0.2, seed=6)
    for f in ("x_train", "y_train", "x_val", "y_val"):
        assert torch.equal(getattr(a, f), getattr(b, f))
    assert not torch.equal(a.x_train, c.x_train)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert all(np.array_equal(u, v) for u, v in zip(np.random.get_state(), np_state))


def test_split_is_stratified():
    y = load_digits().target
    share = np.bincount(y) / len(y)
    s = load_images("digits", 500, 0.2, seed=2)
    for labels, n in ((s.y_train, 500), (s.y_val, 125)):
        counts = np.bincount(labels.numpy(), minlength=10)
        assert np.abs(counts - n * share).max() <= 2, counts


# -------------------------------------------------------------------------------------- MNIST-like files
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_files_read_through_the_loader(tmp_path, name, gz):
    x, y = random_pool(300, seed=7)
    write_mnist(tmp_path, name, x, y, gz=gz)
    assert is_available(name, tmp_path)
    s = load_images(name, 240, 0.2, seed=0, root=tmp_path, download=False)  # 240 + 60: every image
    assert s.notice == "" and s.dataset == name
    assert s.x_train.shape == (240, 1, 28, 28) and s.x_val.shape == (60, 1, 28, 28)
    assert s.class_names == IMAGE_DATASETS[name].class_names
    assert str(tmp_path / FOLDERS[name]) in s.source and "train split" in s.source
    written = Counter((img.tobytes(), int(t)) for img, t in zip(x, y))
    assert Counter(as_bytes(s, name)) == written  # pixels and labels exactly as written, each once


def test_only_test_files_are_used_and_said(tmp_path):
    x, y = random_pool(120, seed=8)
    write_mnist(tmp_path, "mnist", x, y, split="t10k", gz=True)
    s = load_images("mnist", 100, 0.1, seed=0, root=tmp_path, download=False)
    assert s.dataset == "mnist" and "test split" in s.source
    assert not Counter(as_bytes(s, "mnist")) - Counter((i.tobytes(), int(t)) for i, t in zip(x, y))


def test_load_idx_pair_agrees_with_torchvision(tmp_path):
    from torchvision.datasets import MNIST

    train, test = random_pool(50, seed=9), random_pool(20, seed=10)
    paths = write_mnist(tmp_path, "mnist", *train)
    write_mnist(tmp_path, "mnist", *test, split="t10k")
    gz_paths = write_mnist(tmp_path / "gz", "mnist", *train, gz=True)
    tv = MNIST(str(tmp_path), train=True, download=False)  # torchvision's own reader of the raw files
    for images, labels in (paths, gz_paths):
        x, y = load_idx_pair(images, labels)
        assert x.dtype == np.uint8 and x.shape == (50, 28, 28) and y.dtype == np.int64
        np.testing.assert_array_equal(x, tv.data.numpy())
        np.testing.assert_array_equal(y, tv.targets.numpy())


def test_files_replaced_on_disk_are_read_again(tmp_path):
    write_mnist(tmp_path, "mnist", *random_pool(100, seed=11))
    assert len(load_images("mnist", 1000, 0.2, 0, root=tmp_path, download=False).y_train) == 80
    x, y = random_pool(150, seed=12)
    time.sleep(0.01)
    write_mnist(tmp_path, "mnist", x, y)
    s = load_images("mnist", 1000, 0.2, 0, root=tmp_path, download=False)
    assert Counter(as_bytes(s, "mnist")) == Counter((i.tobytes(), int(t)) for i, t in zip(x, y))


@pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="no real MNIST files in ../shared/data/mnist")
def test_real_mnist_test_set_loads_fast_and_matches_torchvision(tmp_path):
    from torchvision.datasets.mnist import read_image_file, read_label_file

    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in SHARED_MNIST.iterdir():
        (raw / f.name).symlink_to(f)
        (tmp_path / f.stem).write_bytes(gzip.decompress(f.read_bytes()))  # for torchvision's reader
    start = time.perf_counter()
    s = load_images("mnist", 8000, 0.2, seed=0, root=tmp_path, download=False)
    assert time.perf_counter() - start < 3.0
    assert s.notice == "" and len(s.y_train) == 8000 and len(s.y_val) == 2000
    x, y = load_idx_pair(raw / "t10k-images-idx3-ubyte.gz", raw / "t10k-labels-idx1-ubyte.gz")
    assert torch.equal(torch.from_numpy(x), read_image_file(str(tmp_path / "t10k-images-idx3-ubyte")))
    assert torch.equal(torch.from_numpy(y), read_label_file(str(tmp_path / "t10k-labels-idx1-ubyte")))


# ------------------------------------------------------------------------------------------------ CIFAR
def test_cifar_batches_read_through_the_loader(tmp_path):
    batches = cifar_batches()
    write_cifar(tmp_path / "cifar-10-batches-py", batches)
    assert is_available("cifar10", tmp_path)
    s = load_images("cifar10", 16, 0.2, seed=0, root=tmp_path, download=False)  # 16 + 4: all 20
    assert s.notice == "" and s.dataset == "cifar10" and "train split" in s.source
    assert s.x_train.shape == (16, 3, 32, 32) and s.class_names[0] == "airplane"
    # CIFAR's row layout by its definition: byte c*1024 + i*32 + j is channel c, row i, column j
    expected = Counter()
    for x, y in batches.values():
        for row, label in zip(x.reshape(len(x), 3072), y):
            img = np.zeros((3, 32, 32), np.uint8)
            for c in range(3):
                for i in range(32):
                    img[c, i, :] = row[c * 1024 + i * 32 : c * 1024 + i * 32 + 32]
            expected[(img.tobytes(), int(label))] += 1
    assert Counter(as_bytes(s, "cifar10")) == expected


def test_cifar_pickle_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder, cifar_batches())
    (folder / "data_batch_3").write_bytes(pickle.dumps({"data": Evil(), "labels": [0]}, protocol=2))
    s = load_images("cifar10", 10, 0.2, seed=0, root=tmp_path, download=False)
    assert not marker.exists()
    assert s.dataset == "digits" and "could not be read" in s.notice and str(folder) in s.notice


# ------------------------------------------------------------------------------- missing, corrupt files
@pytest.mark.parametrize(
    ("name", "folder"),
    [("mnist", "MNIST/raw"), ("fashion_mnist", "FashionMNIST/raw"), ("cifar10", "cifar-10-batches-py")],
)
def test_missing_files_fall_back_to_digits_naming_the_folder(tmp_path, name, folder):
    assert not is_available(name, tmp_path)
    s = load_images(name, 100, 0.2, seed=0, root=tmp_path, download=False)
    assert s.dataset == "digits" and s.x_train.shape == (100, 1, 8, 8)
    assert str(tmp_path / folder) in s.notice and "LAB_DATASETS_DIR" in s.notice and "digits" in s.notice
    assert "load_digits" in s.source


def test_fallback_and_cap_both_reported(tmp_path):
    s = load_images("mnist", 5000, 0.2, seed=0, root=tmp_path, download=False)
    assert s.dataset == "digits" and "MNIST" in s.notice and "1,797" in s.notice


def _corrupt_images() -> dict[str, bytes]:
    x = random_pool(40, seed=13)[0]
    good = struct.pack(">4I", 0x803, 40, 28, 28) + x.tobytes()
    return {
        "bad magic": struct.pack(">4I", 0x1234, 40, 28, 28) + x.tobytes(),
        "truncated": good[:-100],
        "truncated gz": gzip.compress(good)[:-50],
        "wrong size": struct.pack(">4I", 0x803, 40, 20, 20) + x[:, :20, :20].tobytes(),
        "garbage": b"\x00\x01junk",
    }


CORRUPT = _corrupt_images()


@pytest.mark.parametrize("case", list(CORRUPT))
def test_corrupt_idx_falls_back_with_a_notice(tmp_path, case):
    y = random_pool(40, seed=13)[1]
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw / "train-labels-idx1-ubyte", y.astype(np.uint8))
    (raw / "train-images-idx3-ubyte").write_bytes(CORRUPT[case])
    assert is_available("mnist", tmp_path)  # the files are there; reading them is what fails
    s = load_images("mnist", 30, 0.2, seed=0, root=tmp_path, download=False)
    assert s.dataset == "digits" and "could not be read" in s.notice and str(raw) in s.notice


def test_a_single_image_is_not_a_data_set(tmp_path):
    write_mnist(tmp_path, "mnist", *random_pool(1, seed=18))
    s = load_images("mnist", 30, 0.2, seed=0, root=tmp_path, download=False)
    assert s.dataset == "digits" and "could not be read" in s.notice


def test_splits_are_copies_not_the_cached_pool(tmp_path):
    write_mnist(tmp_path, "mnist", *random_pool(50, seed=19))
    a = load_images("mnist", 40, 0.2, seed=0, root=tmp_path, download=False)
    before = a.x_train.clone()
    a.x_train.zero_()  # a page scribbling on its tensors must not change the next session's
    b = load_images("mnist", 40, 0.2, seed=0, root=tmp_path, download=False)
    assert torch.equal(b.x_train, before)


def test_labels_out_of_range_fall_back(tmp_path):
    x, y = random_pool(40, seed=14)
    write_mnist(tmp_path, "mnist", x, y + 250)
    s = load_images("mnist", 30, 0.2, seed=0, root=tmp_path, download=False)
    assert s.dataset == "digits" and "labels" in s.notice


def test_bad_arguments_raise_value_error():
    for kwargs in ({"name": "svhn"}, {"n_train": 0}, {"val_fraction": 0.0}, {"val_fraction": 1.0}):
        args = {"name": "digits", "n_train": 10, "val_fraction": 0.2, "seed": 0} | kwargs
        with pytest.raises(ValueError):
            load_images(**args)


# ------------------------------------------------------------------------------------- folder, network
def test_datasets_dir_from_env(tmp_path, monkeypatch):
    monkeypatch.delenv("LAB_DATASETS_DIR", raising=False)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path / "data"))
    assert datasets_dir() == tmp_path / "data" / "datasets"
    monkeypatch.setenv("LAB_DATASETS_DIR", str(tmp_path / "sets"))
    assert datasets_dir() == tmp_path / "sets"
    x, y = random_pool(50, seed=15)
    write_mnist(tmp_path / "sets", "fashion_mnist", x, y, gz=True)
    assert is_available("fashion_mnist") and not is_available("mnist")
    s = load_images("fashion_mnist", 40, 0.2, seed=0, download=False)  # root=None: the env folder
    assert s.dataset == "fashion_mnist" and str(tmp_path / "sets") in s.source


NET_EVENTS: list[str] = []
WATCHING = [False]


def _audit(event: str, args) -> None:
    if WATCHING[0] and event.startswith(("socket.", "urllib.")):
        NET_EVENTS.append(event)


sys.addaudithook(_audit)


def test_no_network_with_download_off(tmp_path):
    load_images("digits", 10, 0.2, seed=0)  # warm scikit-learn's import and the digits cache
    WATCHING[0] = True
    try:
        start = time.perf_counter()
        for name in ("mnist", "fashion_mnist", "cifar10"):
            assert load_images(name, 100, 0.2, seed=0, root=tmp_path, download=False).dataset == "digits"
        elapsed = time.perf_counter() - start
    finally:
        WATCHING[0] = False
    assert NET_EVENTS == [] and elapsed < 1.0
    assert not any(tmp_path.iterdir()), "nothing written either"


# ------------------------------------------------------------------------ downloads, from file:// URLs
def test_fetch_streams_checks_md5_and_reports_progress(tmp_path):
    from core.engine.image_data import _fetch

    src = tmp_path / "src.bin"
    src.write_bytes(np.random.default_rng(0).integers(0, 256, 3_000_000, dtype=np.uint8).tobytes())
    seen: list[float] = []
    dest = tmp_path / "out" / "file.bin"
    dest.parent.mkdir()
    _fetch([src.as_uri()], dest, hashlib.md5(src.read_bytes()).hexdigest(), seen.append)
    assert dest.read_bytes() == src.read_bytes()
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3  # 1 MiB chunks
    with pytest.raises(OSError, match="md5"):
        _fetch([src.as_uri()], tmp_path / "out" / "bad.bin", "0" * 32, seen.append)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"], "no partial file left"


def test_download_path_end_to_end_from_a_local_mirror(tmp_path, monkeypatch):
    from torchvision.datasets import CIFAR10, MNIST

    mirror = tmp_path / "mirror"
    x, y = random_pool(60, seed=16)
    write_mnist(mirror, "mnist", x, y, gz=True)
    write_mnist(mirror, "mnist", *random_pool(10, seed=17), split="t10k", gz=True)
    files = sorted((mirror / "MNIST" / "raw").iterdir())
    monkeypatch.setattr(MNIST, "mirrors", ["file:///nonexistent/", (mirror / "MNIST" / "raw").as_uri() + "/"])
    monkeypatch.setattr(
        MNIST, "resources", [(f.name, hashlib.md5(f.read_bytes()).hexdigest()) for f in files]
    )
    calls: list[tuple[str, float]] = []
    root = tmp_path / "root"
    s = load_images("mnist", 50, 1 / 6, seed=0, root=root, progress=lambda label, f: calls.append((label, f)))
    assert s.notice == "" and s.dataset == "mnist"
    assert Counter(as_bytes(s, "mnist")) == Counter((i.tobytes(), int(t)) for i, t in zip(x, y))
    assert calls[-1][1] == 1.0 and [f for _, f in calls] == sorted(f for _, f in calls)
    assert all("MNIST" in label for label, _ in calls)
    assert (root / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()  # unpacked, as torchvision
    assert MNIST(str(root), train=True).data.shape == (60, 28, 28)

    # CIFAR: a tar.gz holding cifar-10-batches-py/, unpacked into the root
    batches = cifar_batches(per_batch=2)
    write_cifar(tmp_path / "pack" / "cifar-10-batches-py", batches)
    tgz = mirror / "cifar.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(tmp_path / "pack" / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    monkeypatch.setattr(CIFAR10, "url", tgz.as_uri())
    monkeypatch.setattr(CIFAR10, "tgz_md5", hashlib.md5(tgz.read_bytes()).hexdigest())
    s = load_images("cifar10", 8, 0.2, seed=0, root=root)
    assert s.notice == "" and s.dataset == "cifar10" and len(s.y_train) + len(s.y_val) == 10
    assert sorted(p.name for p in root.iterdir()) == [
        "MNIST",
        "cifar-10-batches-py",
        "cifar-10-python.tar.gz",
    ]


def test_failed_download_falls_back_with_the_reason(tmp_path, monkeypatch):
    from torchvision.datasets import FashionMNIST

    monkeypatch.setattr(FashionMNIST, "mirrors", [(tmp_path / "nowhere").as_uri() + "/"])
    s = load_images("fashion_mnist", 20, 0.2, seed=0, root=tmp_path / "root")
    assert s.dataset == "digits" and "download failed" in s.notice and "FashionMNIST" in s.notice
    assert not any((tmp_path / "root" / "FashionMNIST" / "raw").iterdir()), "no partial files"
