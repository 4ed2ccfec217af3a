"""The files behind the downloaded image sets: IDX and CIFAR readers, and downloads with progress.

Reading is plain numpy: IDX files raw or gzipped, CIFAR's pickles through an unpickler that only
builds arrays (a file dropped in the data folder runs no code). Downloads stream torchvision's own
mirror URLs in 1 MiB chunks with a short timeout, check its md5 sums and rename into place, so an
interrupted download leaves nothing behind.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import threading
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.base.i18n import _

TIMEOUT_S = 10.0  # per connect / per read: an offline machine fails in seconds, not minutes
Progress = Callable[[str, float], None]
FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "cifar-10-batches-py"}
TITLES = {"digits": "Digits", "mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}


# ---------------------------------------------------------------------------------------------- readers
class DamagedFile(ValueError):
    """A data file whose content is not what its format promises (truncated, wrong magic, wrong
    shape); the message names the file. The caller may suggest replacing it; a bug never ends here."""


def _read_idx(path: Path) -> np.ndarray:
    """One IDX file (raw or gzip): magic 00 00 08 nd (unsigned bytes, nd dims), then nd big-endian uint32."""
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":  # gzip's magic, whatever the file is called
        try:
            data = gzip.decompress(data)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            raise DamagedFile(f"{Path(path).name} is a damaged gzip file ({e})") from None
    if len(data) < 4 or data[:3] != b"\x00\x00\x08" or not 1 <= data[3] <= 4:
        raise DamagedFile(f"{Path(path).name} is not an IDX file of unsigned bytes (bad magic number)")
    nd = data[3]
    dims = tuple(int(v) for v in np.frombuffer(data, ">u4", nd, offset=4))
    body = memoryview(data)[4 + 4 * nd :]
    if len(body) != int(np.prod(dims)):
        raise DamagedFile(
            f"{Path(path).name} holds {len(body):,} bytes of pixels/labels, its header says {dims}"
        )
    return np.frombuffer(body, np.uint8).reshape(dims).copy()  # a writable array of its own


def load_idx_pair(images_path: Path | str, labels_path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """Read an IDX images/labels pair (raw or .gz) with plain numpy: (N, H, W) uint8 and (N,) int64."""
    x, y = _read_idx(Path(images_path)), _read_idx(Path(labels_path))
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DamagedFile(f"images {x.shape} and labels {y.shape} do not make a pair")
    return x, y.astype(np.int64)


class _ArraysOnly(pickle.Unpickler):
    """Unpickles dicts, lists and numpy arrays, nothing else: a file in the data folder runs no code."""

    ALLOWED = {("_codecs", "encode"), ("numpy", "ndarray"), ("numpy", "dtype")} | {
        (f"numpy.{core}.{mod}", fn)
        for core in ("core", "_core")
        for mod, fn in (("multiarray", "_reconstruct"), ("multiarray", "scalar"), ("numeric", "_frombuffer"))
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name}: a CIFAR batch holds only arrays")
        return super().find_class(module, name)


def _read_cifar(paths: tuple[Path, ...]) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR python batches: each row is 3072 bytes, the R, G, B planes of 32x32, row-major."""
    xs, ys = [], []
    for path in paths:
        with open(path, "rb") as fh:
            try:
                entry = _ArraysOnly(fh, encoding="latin1").load()  # latin1: the files come from Python 2
                entry = {k.decode() if isinstance(k, bytes) else k: v for k, v in entry.items()}
                xs.append(np.asarray(entry["data"], np.uint8).reshape(-1, 3, 32, 32))
                ys.append(np.asarray(entry["labels"], np.int64))
            except (pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError, ValueError) as e:
                raise DamagedFile(f"{path.name} is not a CIFAR batch ({type(e).__name__}: {e})") from None
        if len(xs[-1]) != len(ys[-1]):
            raise DamagedFile(f"{path.name}: {len(xs[-1])} images but {len(ys[-1])} labels")
    return np.concatenate(xs), np.concatenate(ys)


# -------------------------------------------------------------------------------------------- downloads
def _fetch(urls: list[str], dest: Path, md5: str, report: Callable[[float], None]) -> None:
    """Stream the first URL that answers into dest, checking torchvision's md5; a break leaves no file."""
    errors = []
    for url in urls:
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}-{threading.get_ident()}.part")
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "dl-lab"})
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp, open(tmp, "wb") as fh:
                total, done, digest = (
                    int(resp.headers.get("Content-Length") or 0),
                    0,
                    hashlib.md5(usedforsecurity=False),
                )
                while chunk := resp.read(1 << 20):
                    fh.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if total:
                        report(min(done / total, 1.0))
            if digest.hexdigest() != md5:
                raise ValueError("its md5 does not match torchvision's")
            os.replace(tmp, dest)  # atomic: readers see the whole file or none
            return
        except Exception as e:  # any failure: try the next mirror
            errors.append(f"{url}: {e}")
        finally:
            tmp.unlink(missing_ok=True)
    raise OSError("; ".join(errors))


def _download_idx(name: str, root: Path, report: Progress) -> None:
    """The four MNIST / Fashion-MNIST files into <root>/<Class>/raw, gzipped and unpacked, as torchvision."""
    from torchvision import datasets as tvd  # only here: importing torchvision takes seconds

    cls = tvd.MNIST if name == "mnist" else tvd.FashionMNIST
    raw = root / FOLDERS[name] / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    n = len(cls.resources)
    for i, (filename, md5) in enumerate(cls.resources):
        gz, out = raw / filename, raw / filename.removesuffix(".gz")
        label = _("Downloading {title}: {file}").format(title=TITLES[name], file=filename)
        if not gz.is_file():
            urls = [m + filename for m in cls.mirrors]
            _fetch(urls, gz, md5, lambda f, i=i, label=label: report(label, (i + f) / n))
        if not out.is_file():
            tmp = out.with_name(f"{out.name}.{os.getpid()}.part")
            tmp.write_bytes(gzip.decompress(gz.read_bytes()))
            os.replace(tmp, out)
        report(label, (i + 1) / n)


def _download_cifar(name: str, root: Path, report: Progress) -> None:
    """cifar-10-python.tar.gz into <root>, unpacked to <root>/cifar-10-batches-py as torchvision does."""
    from torchvision.datasets import CIFAR10

    root.mkdir(parents=True, exist_ok=True)
    tgz = root / CIFAR10.filename
    if not tgz.is_file():
        _fetch([CIFAR10.url], tgz, CIFAR10.tgz_md5, lambda f: report(_("Downloading CIFAR-10 (163 MiB)"), f))
    report(_("Unpacking CIFAR-10"), 1.0)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".unpack-"))
    try:
        with tarfile.open(tgz, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # no absolute paths, links out or devices
        dest = root / CIFAR10.base_folder
        dest.mkdir(exist_ok=True)
        for f in (tmp / CIFAR10.base_folder).iterdir():
            os.replace(f, dest / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
