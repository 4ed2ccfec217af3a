"""IMAGE_DATASETS for the CNN lab: the embedded 8x8 digits, and MNIST, Fashion-MNIST and CIFAR-10 on disk.

The three downloaded sets live in torchvision's own folder layout under datasets_dir()
(MNIST/raw/, FashionMNIST/raw/, cifar-10-batches-py/), fetched from torchvision's own mirror
URLs and checked against its md5 sums (core/engine/image_files.py reads and fetches the files).
Nothing is fetched at import; a missing or damaged set never raises: load_images falls back to
the digits and says why in `notice`.
"""

from __future__ import annotations

import functools
import tarfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.base.i18n import N_, _
from core.base.paths import datasets_dir
from core.engine.image_files import FOLDERS as _FOLDERS
from core.engine.image_files import TITLES as _TITLES
from core.engine.image_files import (
    DamagedFile,
    Progress,
    _download_cifar,
    _download_idx,
    _fetch,
    _read_cifar,
    load_idx_pair,
)

__all__ = ["IMAGE_DATASETS", "ImageSplit", "datasets_dir", "is_available", "load_images", "load_idx_pair",
           "normalize", "unnormalize", "_fetch"]  # fmt: skip

ENV_VAR = "LAB_DATASETS_DIR"


@dataclass(frozen=True)
class ImageDataSet:
    """A registered image set: its shape (C, H, W), classes, one line for the page, normalisation."""

    name: str
    shape: tuple[int, int, int]
    n_classes: int
    class_names: tuple[str, ...]
    blurb: str
    embedded: bool  # ships with the code (no disk, no network)
    mean: tuple[float, ...]  # per channel, of the training pixels scaled to [0, 1]
    std: tuple[float, ...]


@dataclass(frozen=True)
class ImageSplit:
    """Normalised train/validation images (N, C, H, W) float32 with int64 labels, and where they came from."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    dataset: str  # the set actually loaded: "digits" after a fallback
    n_classes: int
    class_names: tuple[str, ...]
    notice: str  # "" or a message for the user (fallback, capped sizes)
    source: str


_DIGITS = tuple(str(i) for i in range(10))
# mean/std: population statistics over every training pixel (digits: all 1,797 images / 16;
# the others: the usual constants of the full training splits, e.g. MNIST 0.1307 / 0.3081).
IMAGE_DATASETS: dict[str, ImageDataSet] = {
    d.name: d
    for d in (
        ImageDataSet("digits", (1, 8, 8), 10, _DIGITS,
                     N_("8x8 handwritten digits bundled with scikit-learn: 1,797 images, works offline."),
                     True, (0.3053,), (0.3760,)),
        ImageDataSet("mnist", (1, 28, 28), 10, _DIGITS,
                     N_("28x28 handwritten digits: 60,000 training images (one download, about 12 MB)."),
                     False, (0.1307,), (0.3081,)),
        ImageDataSet("fashion_mnist", (1, 28, 28), 10,
                     (N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
                      N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot")),
                     N_("28x28 pictures of clothes: MNIST's size, harder to tell apart (download 30 MB)."),
                     False, (0.2860,), (0.3530,)),
        ImageDataSet("cifar10", (3, 32, 32), 10,
                     (N_("airplane"), N_("automobile"), N_("bird"), N_("cat"), N_("deer"),
                      N_("dog"), N_("frog"), N_("horse"), N_("ship"), N_("truck")),
                     N_("32x32 colour photos of 10 kinds of object: 50,000 images (download 163 MiB)."),
                     False, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    )
}  # fmt: skip
_NEEDED = {
    "mnist": N_("train-images-idx3-ubyte and train-labels-idx1-ubyte (.gz or not)"),
    "fashion_mnist": N_("train-images-idx3-ubyte and train-labels-idx1-ubyte (.gz or not)"),
    "cifar10": N_("data_batch_1 ... data_batch_5 (from cifar-10-python.tar.gz)"),
}
_LOCKS = {name: threading.Lock() for name in _FOLDERS}  # one download per set at a time, per process


def _spec(name: str) -> ImageDataSet:
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image data set {name!r}; known: {', '.join(IMAGE_DATASETS)}")
    return IMAGE_DATASETS[name]


def _find(name: str, root: Path) -> tuple[str, tuple[Path, ...]] | None:
    """The files to read, training split first: (split, paths), or None when neither split is complete."""
    folder = root / _FOLDERS[name]
    if name == "cifar10":
        splits = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}
        for split, files in splits.items():
            if all((folder / f).is_file() for f in files):
                return split, tuple(folder / f for f in files)
        return None
    raw = folder / "raw"
    for split in ("train", "t10k"):  # uncompressed first: no gunzip to wait for
        stems = (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte")
        found = [next((p for p in (raw / s, raw / f"{s}.gz") if p.is_file()), None) for s in stems]
        if all(found):
            return ("train" if split == "train" else "test"), tuple(found)
    return None


def is_available(name: str, root: Path | None = None) -> bool:
    """True when the set can be read without the network: embedded, or its files are in the folder."""
    if _spec(name).embedded:
        return True
    return _find(name, Path(root) if root is not None else datasets_dir()) is not None


@functools.lru_cache(maxsize=1)
def _digits_pool() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no network

    d = load_digits()
    x, y = d.images.astype(np.uint8)[:, None], d.target.astype(np.int64)  # values 0..16
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


@functools.lru_cache(maxsize=4)  # a decoded pool per set; the key holds size and mtime, so new files reload
def _decode(name: str, paths: tuple[Path, ...], stamp: tuple) -> tuple[np.ndarray, np.ndarray]:
    spec = IMAGE_DATASETS[name]
    x, y = _read_cifar(paths) if name == "cifar10" else load_idx_pair(*paths)
    x = x.reshape(len(x), *spec.shape) if x.ndim == 3 and x.shape[1:] == spec.shape[1:] else x
    if x.shape[1:] != spec.shape or len(x) < 2:
        raise DamagedFile(f"{len(x)} images of shape {x.shape[1:]}, expected some of {spec.shape}")
    if y.min() < 0 or y.max() >= spec.n_classes:
        raise DamagedFile(f"labels outside 0..{spec.n_classes - 1}")
    x.setflags(write=False)  # shared by every session: nobody writes into the cache
    y.setflags(write=False)
    return x, y


# ------------------------------------------------------------------------------------------------ split
class _Unavailable(Exception):
    """The set's files are missing or damaged; the message is for the user."""


def _load_pool(name: str, root: Path, download: bool, report: Progress) -> tuple[np.ndarray, np.ndarray, str]:
    """The whole pool as uint8 (N, C, H, W) and int64 labels, and where from; _Unavailable says why not."""
    title, folder = _TITLES[name], root / _FOLDERS[name]
    where = folder if name == "cifar10" else folder / "raw"
    files = _NEEDED[name]
    why = _("downloads are off")
    if _find(name, root) is None and download:
        try:
            with _LOCKS[name]:
                if _find(name, root) is None:  # another session may have fetched it meanwhile
                    (_download_cifar if name == "cifar10" else _download_idx)(name, root, report)
        except (OSError, ValueError, EOFError, tarfile.TarError, zlib.error) as e:  # network, md5, archive
            why = _("the download failed ({error})").format(error=f"{type(e).__name__}: {str(e)[:300]}")
    if (found := _find(name, root)) is None:
        raise _Unavailable(
            _(
                "{title} is not in {where} and {why}. Put {files} there (or set the {env} environment "
                "variable to a folder holding {sub}), then reload. Using the 8x8 digits instead."
            ).format(
                title=title, where=where, why=why, files=_(files), env=ENV_VAR, sub=where.relative_to(root)
            )
        )
    split, paths = found
    try:
        x, y = _decode(name, paths, tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in paths))
    except (DamagedFile, OSError) as e:  # a bad file, not a bug: anything else propagates
        raise _Unavailable(
            _(
                "{title} in {where} could not be read ({error}). Delete or replace the damaged files (a "
                "deleted set downloads again). Using the 8x8 digits instead."
            ).format(title=title, where=where, error=f"{type(e).__name__}: {str(e)[:300]}")
        ) from None
    which = _("train split") if split == "train" else _("test split: only its files are there")
    return x, y, f"{folder} ({which})"


def _split_indices(y: np.ndarray, n_train: int, n_val: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint train/validation indices keeping the class proportions, drawn by a local PCG64(seed)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y))
    lab = y[perm]
    counts = np.bincount(lab)
    order = np.argsort(lab, kind="stable")  # rank of each image inside its class, in shuffled order
    rank = np.empty(len(y), np.int64)
    rank[order] = np.arange(len(y)) - (np.cumsum(counts) - counts)[lab[order]]
    # sorted by (rank + 1/2) / class size, every prefix holds each class in proportion (stratified):
    # validation is the first n_val, training the next n_train, so both are stratified and disjoint
    ordered = perm[np.argsort((rank + 0.5) / counts[lab], kind="stable")]
    return rng.permutation(ordered[n_val : n_val + n_train]), rng.permutation(ordered[:n_val])


def load_images(
    name: str,
    n_train: int,
    val_fraction: float,
    seed: int,
    *,
    root: Path | None = None,
    download: bool = True,
    progress: Progress | None = None,
) -> ImageSplit:
    """n_train training and n_train * f / (1 - f) validation images, disjoint, seeded; digits as fallback."""
    spec = _spec(name)
    if int(n_train) < 1 or not 0 < val_fraction < 1:
        raise ValueError(f"need n_train >= 1 and 0 < val_fraction < 1, got {n_train} and {val_fraction}")
    notices, scale = [], 255
    if not spec.embedded:
        try:
            root = Path(root) if root is not None else datasets_dir()
            x, y, source = _load_pool(name, root, download, progress or (lambda label, f: None))
        except _Unavailable as e:
            notices.append(str(e))
            spec = IMAGE_DATASETS["digits"]
    if spec.embedded:
        (x, y), scale, source = _digits_pool(), 16, _("scikit-learn load_digits (embedded)")
    # val_fraction is the share of train + val held out: n_val / (n_train + n_val) = f
    n_train = int(n_train)
    n_val = max(1, round(n_train * val_fraction / (1 - val_fraction)))  # at least 1: val accuracy exists
    if n_train + n_val > len(y):
        asked = f"{n_train:,} + {n_val:,}"
        n_val = max(1, round(len(y) * val_fraction))
        n_train = len(y) - n_val
        notices.append(
            _(
                "{title} has {n:,} images, fewer than the {asked} asked for: training on {n_train:,} and "
                "validating on {n_val:,}."
            ).format(title=_TITLES[spec.name], n=len(y), asked=asked, n_train=n_train, n_val=n_val)
        )
    tr, va = _split_indices(y, n_train, n_val, seed)
    prep = lambda idx: normalize(torch.from_numpy(x[idx]).float().div_(scale), spec.name)  # [0, 1] first
    return ImageSplit(
        prep(tr), torch.from_numpy(y[tr]), prep(va), torch.from_numpy(y[va]),
        spec.name, spec.n_classes, spec.class_names, " ".join(notices), source,
    )  # fmt: skip


def _stats(x: torch.Tensor, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    spec = _spec(name)
    if x.ndim < 3 or x.shape[-3] != spec.shape[0]:
        raise ValueError(
            f"{name} images have {spec.shape[0]} channel(s); got a tensor of shape {tuple(x.shape)}"
        )
    kw = {"dtype": x.dtype, "device": x.device}
    return torch.tensor(spec.mean, **kw).view(-1, 1, 1), torch.tensor(spec.std, **kw).view(-1, 1, 1)


def normalize(x01: torch.Tensor, name: str) -> torch.Tensor:
    """Model input from [0, 1] images (N, C, H, W) or (C, H, W): (x - mean) / std per channel."""
    if not x01.is_floating_point():  # uint8 pixels are 0..255
        x01 = x01.float() / 255 if x01.dtype == torch.uint8 else x01.float()
    mean, std = _stats(x01, name)
    return (x01 - mean) / std


def unnormalize(x: torch.Tensor, name: str) -> torch.Tensor:
    """Back to [0, 1] for display: x * std + mean per channel, clamped to [0, 1]."""
    x = x if x.is_floating_point() else x.float()
    mean, std = _stats(x, name)
    return (x * std + mean).clamp_(0, 1)
