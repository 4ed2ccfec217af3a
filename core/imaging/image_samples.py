"""The bundled sample pictures: offline, small, each chosen for a lesson.

Two photos ship with scikit-learn; the rest are drawn here with numpy, so nothing is downloaded.
Each sample is decoded once per process and kept read-only. Pure: no streamlit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.base.i18n import N_, _
from core.imaging.imageio import ImageError, LoadedImage, finish

SAMPLES: dict[str, str] = {  # name -> what it shows (translate with _() where shown)
    "china": N_("a photo of a Chinese temple (scikit-learn sample, 640x427)"),
    "flower": N_("a photo of a flower (scikit-learn sample, 640x427)"),
    "digit": N_("a handwritten 0 from scikit-learn's digits: 8x8 pixels, scaled up 8x to 64x64"),
    "checkerboard": N_("black and white 8-px squares (256x256): resizing shows aliasing"),
    "gradient": N_("a smooth grey ramp 0-255, one value per column (256x256): bit depth shows bands"),
    "circles": N_("rings that get finer outwards, a zone plate (256x256): resizing shows moire"),
}


def _checkerboard(n: int = 256, square: int = 8) -> np.ndarray:
    yy, xx = np.indices((n, n))
    return np.where((yy // square + xx // square) % 2 == 0, 255, 0).astype(np.uint8)


def _gradient(n: int = 256) -> np.ndarray:
    return np.tile(np.arange(n, dtype=np.uint8), (n, 1))  # column x holds the value x


def _circles(n: int = 256) -> np.ndarray:
    # A zone plate: brightness 127.5 (1 + cos(pi r^2 / n)); the local frequency r / n rises
    # to 1/2 cycle per pixel (the Nyquist limit) at the edge, so any resampling error shows.
    yy, xx = np.indices((n, n)) - (n - 1) / 2
    return np.rint(127.5 * (1 + np.cos(np.pi * (xx**2 + yy**2) / n))).astype(np.uint8)


def _digit() -> np.ndarray:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: offline

    digits = load_digits()
    ink = digits.images[int(np.flatnonzero(digits.target == 0)[0])]  # 8x8, values 0..16
    paper = np.rint(255 - ink * (255 / 16)).astype(np.uint8)  # dark ink on white paper
    return np.kron(paper, np.ones((8, 8), dtype=np.uint8))  # each pixel becomes an 8x8 block


@lru_cache(maxsize=len(SAMPLES))
def sample_pixels(name: str) -> np.ndarray:
    """The full-size pixels of one sample, read-only (shared by every caller)."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        rgb = load_sample_image(f"{name}.jpg")
    else:
        gray = {"digit": _digit, "checkerboard": _checkerboard, "gradient": _gradient, "circles": _circles}
        rgb = np.repeat(gray[name]()[..., None], 3, axis=2)
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    rgb.flags.writeable = False
    return rgb


def sample_image(name: str, max_side: int = 1024) -> LoadedImage:
    """One of SAMPLES as a LoadedImage (shrunk with a notice if larger than max_side)."""
    if name not in SAMPLES:
        raise ImageError(
            _("{name} is not a sample; choose one of {names}").format(
                name=repr(name), names=", ".join(SAMPLES)
            )
        )
    rgb = sample_pixels(name)
    h, w = rgb.shape[:2]
    return finish(rgb.copy(), name, "sample", "RGB", (w, h), max_side, [])
