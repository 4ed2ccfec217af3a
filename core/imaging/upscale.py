"""Enhancement's classic case: a low-resolution picture made larger and sharper, and measured.

The picture is shrunk by a factor (bicubic, as a camera or a website would), enlarged back to
its original size by bicubic interpolation, then sharpened with an unsharp mask. Each result is
scored against the original, which this experiment keeps: PSNR and SSIM (how close), and the
mean gradient (how sharp: the average brightness step between neighbouring pixels). Pure: no
streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.imaging.image_quality import psnr, ssim
from core.imaging.imageio import to_gray
from core.imaging.images import resize, unsharp_mask


def mean_gradient(img: np.ndarray) -> float:
    """Sharpness: the mean of sqrt(dx^2 + dy^2) over the grey luma, dx and dy the differences to
    the right and the lower neighbour (grey levels per pixel). Blur lowers it; sharpening raises it."""
    g = to_gray(img).astype(np.float64)
    dx = g[:-1, 1:] - g[:-1, :-1]
    dy = g[1:, :-1] - g[:-1, :-1]
    return float(np.mean(np.hypot(dx, dy))) if dx.size else 0.0


@dataclass(frozen=True, eq=False)
class Version:
    """One picture of the experiment, scored against the original."""

    image: np.ndarray
    psnr: float
    ssim: float
    sharpness: float  # mean_gradient


@dataclass(frozen=True, eq=False)
class Enlarged:
    """The low-resolution copy and what enlarging (and sharpening) it gives back."""

    small: np.ndarray  # the low-resolution picture, at its own size
    blocks: Version  # the small picture shown at full size, each pixel a block (nearest)
    bicubic: Version  # enlarged by bicubic interpolation
    sharpened: Version  # bicubic, then unsharp-masked
    original: Version  # the reference: PSNR infinite, SSIM 1


def score(original: np.ndarray, img: np.ndarray) -> Version:
    """img with its PSNR and SSIM against the original and its own sharpness."""
    return Version(img, psnr(original, img), ssim(original, img), mean_gradient(img))


def enlarge(rgb: np.ndarray, factor: int, amount: float = 1.0, sigma: float = 1.0) -> Enlarged:
    """Shrink by `factor` (bicubic), enlarge back (nearest for blocks, bicubic), sharpen the
    bicubic one (unsharp mask, amount, sigma), and score every version against rgb."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    h, w = rgb.shape[:2]
    small = resize(rgb, max(1, round(w / factor)), max(1, round(h / factor)), "bicubic")
    blocks = resize(small, w, h, "nearest")
    bicubic = resize(small, w, h, "bicubic")
    sharp = unsharp_mask(bicubic, amount, sigma)
    return Enlarged(small, score(rgb, blocks), score(rgb, bicubic), score(rgb, sharp), score(rgb, rgb))
