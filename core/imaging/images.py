"""Image operations for the Image basics page: pixels, resolution, bit depth, geometry, enhancement.

An image is an (H, W, 3) uint8 array (or (H, W) for grey): row y, column x, channel R/G/B, each
value 0..255. Every function returns a new array and leaves its input alone. The heavy lifting
is done by PIL's C code or vectorised numpy, so each op stays well under 200 ms on a 1024 x 1024
photo. Noise, restoration, PSNR/SSIM and compression live in core.imaging.image_quality. Pure: no streamlit.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image
from scipy import ndimage as ndi

from core.imaging.imageio import to_gray

METHODS = ("nearest", "bilinear", "bicubic")
_RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,  # copy the closest source pixel
    "bilinear": Image.Resampling.BILINEAR,  # weigh the 2 x 2 nearest by distance
    "bicubic": Image.Resampling.BICUBIC,  # a cubic through the 4 x 4 nearest (Keys, a = -0.5)
}
FLIPS = ("none", "horizontal", "vertical", "both")
WHITE = (255, 255, 255)


def _pil(img: np.ndarray) -> Image.Image:
    return Image.fromarray(np.ascontiguousarray(img, dtype=np.uint8))


# --- Pixels ------------------------------------------------------------------------------------
def zoom_window(shape: tuple[int, ...], cx: float, cy: float, size: int) -> tuple[int, int, int, int]:
    """(x0, y0, w, h) of a size x size window centred at fractions (cx, cy) of the image, kept inside."""
    h, w = shape[:2]
    ww, hh = min(size, w), min(size, h)
    x0 = int(round(cx * (w - 1) - (ww - 1) / 2))
    y0 = int(round(cy * (h - 1) - (hh - 1) / 2))
    return min(max(x0, 0), w - ww), min(max(y0, 0), h - hh), ww, hh


def crop(img: np.ndarray, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """The pixels of rows y0..y0+h-1 and columns x0..x0+w-1 (a copy), clipped to the image."""
    x0, y0 = max(0, x0), max(0, y0)
    return img[y0 : y0 + h, x0 : x0 + w].copy()


# --- Bitmaps and resolution --------------------------------------------------------------------
def pixel_count(shape: tuple[int, ...]) -> int:
    """Pixels in an image of this shape: H x W (each pixel holds one value per channel)."""
    return int(shape[0]) * int(shape[1])


def scaled_size(shape: tuple[int, ...], factor: float) -> tuple[int, int]:
    """(width, height) after scaling both sides by factor, at least 1 x 1."""
    h, w = shape[:2]
    return max(1, round(w * factor)), max(1, round(h * factor))


def resize(img: np.ndarray, width: int, height: int, method: str = "bilinear") -> np.ndarray:
    """Resample to width x height with nearest, bilinear or bicubic interpolation (PIL).

    Pixel centres sit at (i + 0.5) in both grids, so the image is stretched, not shifted. When
    shrinking, PIL widens the filter by the scale factor (an anti-aliasing low-pass), except for
    nearest, which simply picks pixels and so shows aliasing.
    """
    if method not in _RESAMPLE:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    if width < 1 or height < 1:
        raise ValueError("width and height must be at least 1")
    return np.asarray(_pil(img).resize((int(width), int(height)), _RESAMPLE[method]))


# --- Bit depth ---------------------------------------------------------------------------------
def levels(bits: int) -> int:
    """Distinct values a k-bit number can hold: 2^k."""
    return 2**bits


def bytes_needed(width: int, height: int, channels: int, bits: int) -> int:
    """Bytes to store the raw pixels: ceil(W x H x channels x bits / 8) (no header, no compression)."""
    return math.ceil(width * height * channels * bits / 8)


def quantize(img: np.ndarray, bits: int) -> np.ndarray:
    """Keep 2^k evenly spaced levels of 0..255: each value goes to the nearest level.

    Level index q = round(v (L - 1) / 255), shown as round(q 255 / (L - 1)), with L = 2^k; k = 8
    gives the image back unchanged, k = 1 leaves black and white.
    """
    if not 1 <= bits <= 8:
        raise ValueError("bits must be 1..8")
    n = levels(bits) - 1
    lut = np.rint(np.rint(np.arange(256) * n / 255) * 255 / n).astype(np.uint8)
    return lut[img]


def threshold(gray: np.ndarray, t: int = 128) -> np.ndarray:
    """1-bit by a hard cut: 255 where the value is >= t, else 0."""
    return np.where(gray >= t, 255, 0).astype(np.uint8)


def dither(gray: np.ndarray) -> np.ndarray:
    """1-bit by Floyd-Steinberg error diffusion (PIL's C loop), as 0 / 255.

    Pixels are visited row by row, left to right. Each becomes 255 if its running value is
    above 128, else 0, and the error (value - output) is pushed on to the unvisited neighbours:
    7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right. PIL sums those shares in whole
    sixteenths and clips each running value to 0..255 before the cut.
    """
    bilevel = _pil(gray).convert("1", dither=Image.Dither.FLOYDSTEINBERG)
    return np.asarray(bilevel, dtype=np.uint8) * np.uint8(255)


def split_channels(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The R, G and B planes, each (H, W) uint8."""
    return rgb[..., 0].copy(), rgb[..., 1].copy(), rgb[..., 2].copy()


def tint(plane: np.ndarray, channel: int) -> np.ndarray:
    """One plane drawn in its own colour: the other two channels set to 0."""
    out = np.zeros((*plane.shape, 3), dtype=np.uint8)
    out[..., channel] = plane
    return out


# --- Geometric transforms ----------------------------------------------------------------------
def affine_matrix(
    width: int,
    height: int,
    angle: float = 0.0,
    scale: float = 1.0,
    shear: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
) -> np.ndarray:
    """3 x 3 matrix taking a source point (x, y, 1) to where it lands, about the image centre.

    M = T(centre + (tx, ty)) R(angle) Sh(shear) S(scale) T(-centre), with x to the right and y
    down; a positive angle turns the picture anticlockwise as seen on screen, and the shear adds
    shear * y to x.
    """
    cx, cy = width / 2, height / 2  # the centre in continuous coordinates (pixel i spans i..i+1)
    a = math.radians(angle)
    c, s = math.cos(a), math.sin(a)
    to_origin = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], dtype=float)
    sc = np.diag([scale, scale, 1.0])
    sh = np.array([[1, shear, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    rot = np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]], dtype=float)  # y points down: this is anticlockwise
    back = np.array([[1, 0, cx + tx], [0, 1, cy + ty], [0, 0, 1]], dtype=float)
    return back @ rot @ sh @ sc @ to_origin


def warp(img: np.ndarray, matrix: np.ndarray, method: str = "bilinear") -> np.ndarray:
    """Apply a 3 x 3 affine matrix; same size out, uncovered pixels white.

    Each output pixel centre p is mapped BACK through the inverse matrix to the source and
    sampled there (inverse mapping leaves no holes, unlike pushing source pixels forward).
    """
    if method not in _RESAMPLE:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    inv = np.linalg.inv(matrix)
    h, w = img.shape[:2]
    pil = _pil(img)
    fill = WHITE if pil.mode == "RGB" else 255
    out = pil.transform(
        (w, h), Image.Transform.AFFINE, tuple(inv[:2].ravel()), _RESAMPLE[method], fillcolor=fill
    )
    return np.asarray(out)


def flip(img: np.ndarray, how: str) -> np.ndarray:
    """Mirror left-right ('horizontal'), top-bottom ('vertical'), both, or not ('none')."""
    if how not in FLIPS:
        raise ValueError(f"flip must be one of {', '.join(FLIPS)}")
    axes = {"none": (), "horizontal": (1,), "vertical": (0,), "both": (0, 1)}[how]
    return np.ascontiguousarray(np.flip(img, axis=axes) if axes else img.copy())


# --- Enhancement -------------------------------------------------------------------------------
def tone_curve(brightness: float = 0.0, contrast: float = 1.0, gamma: float = 1.0) -> np.ndarray:
    """The 256-entry lookup table v -> 255 ((c (v - 128) + 128 + b) / 255)^gamma, clipped and rounded.

    Contrast c stretches values away from mid-grey 128, brightness b shifts them, and gamma bends
    the curve: gamma < 1 lifts the shadows, gamma > 1 darkens them; 0 and 255 stay put.
    """
    if gamma <= 0:
        raise ValueError("gamma must be positive")
    v = np.arange(256, dtype=np.float64)
    lin = np.clip(contrast * (v - 128.0) + 128.0 + brightness, 0.0, 255.0)
    return np.rint(255.0 * (lin / 255.0) ** gamma).astype(np.uint8)


def adjust(img: np.ndarray, brightness: float = 0.0, contrast: float = 1.0, gamma: float = 1.0) -> np.ndarray:
    """Brightness, contrast and gamma applied to every channel through tone_curve (one table lookup)."""
    return tone_curve(brightness, contrast, gamma)[img]


def histogram(img: np.ndarray) -> np.ndarray:
    """Counts of each value 0..255: shape (256,) for grey, (3, 256) for RGB (one row per channel)."""
    if img.ndim == 2:
        return np.bincount(img.ravel(), minlength=256)
    return np.stack([np.bincount(img[..., c].ravel(), minlength=256) for c in range(img.shape[2])])


def equalize_lut(gray: np.ndarray) -> np.ndarray:
    """Histogram-equalisation table: v -> round(255 (cdf(v) - cdf_min) / (N - cdf_min)).

    cdf(v) counts the pixels <= v and cdf_min is the count of the darkest value present, so the
    darkest value maps to 0, the brightest to 255, and the output's CDF is close to a straight line.
    """
    cdf = np.cumsum(np.bincount(gray.ravel(), minlength=256)).astype(np.float64)
    n = cdf[-1]
    cdf_min = cdf[np.flatnonzero(cdf)[0]]
    if n == cdf_min:  # a single value: nothing to spread
        return np.arange(256, dtype=np.uint8)
    return np.clip(np.rint(255.0 * (cdf - cdf_min) / (n - cdf_min)), 0, 255).astype(np.uint8)


def cdf_gap(gray: np.ndarray) -> float:
    """How far a grey image's cumulative histogram is from the diagonal: the largest
    |share of pixels at or below v - v / 255| over the values v present (0 for a perfectly flat one)."""
    counts = np.bincount(gray.ravel(), minlength=256)
    share = np.cumsum(counts) / gray.size
    present = counts > 0
    return float(np.max(np.abs(share[present] - np.arange(256)[present] / 255)))


def equalize(img: np.ndarray) -> np.ndarray:
    """Histogram equalisation: of the grey values, or for colour of the luma Y only.

    Equalising R, G and B apart would shift the hues; instead Y (BT.601, as in to_gray) goes
    through the table and the chroma Cb, Cr is kept (PIL's JPEG-style YCbCr round trip).
    """
    if img.ndim == 2:
        return equalize_lut(img)[img]
    ycc = np.array(_pil(img).convert("YCbCr"))
    ycc[..., 0] = equalize_lut(ycc[..., 0])[ycc[..., 0]]
    return np.asarray(Image.fromarray(ycc, "YCbCr").convert("RGB"))


def luma(img: np.ndarray) -> np.ndarray:
    """The grey values the histograms are drawn from (BT.601 luma for colour)."""
    return to_gray(img)


# --- Separable filters (shared with core.imaging.image_quality) ----------------------------------------
def gaussian_kernel(sigma: float, truncate: float = 3.0) -> np.ndarray:
    """1-D Gaussian weights exp(-x^2 / 2 sigma^2) for |x| <= round(truncate sigma), summing to 1."""
    r = int(truncate * sigma + 0.5)  # the same radius rule as scipy.ndimage.gaussian_filter
    x = np.arange(-r, r + 1, dtype=np.float64)
    w = np.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def separable(img: np.ndarray, k: np.ndarray, valid: bool = False) -> np.ndarray:
    """Correlate rows and columns (not channels) with the 1-D kernel k, edges mirrored; float32 out.

    A 2-D kernel that is an outer product k k^T costs 2 len(k) instead of len(k)^2 per pixel.
    Along x, scipy's correlate1d; along y, one shifted whole-array multiply-add per tap, which
    walks memory in order and is about 3x faster here than correlate1d down the columns.
    valid=True returns only the pixels whose whole window lies inside the image (no mirroring).
    """
    x = ndi.correlate1d(img.astype(np.float32, copy=False), k, axis=1, mode="reflect", output=np.float32)
    r = len(k) // 2
    if valid:
        p, n = x[:, r : x.shape[1] - r], x.shape[0] - 2 * r
    else:
        pad = [(r, r)] + [(0, 0)] * (img.ndim - 1)
        p, n = np.pad(x, pad, mode="symmetric"), x.shape[0]  # symmetric = scipy's "reflect"
    out = p[:n] * np.float32(k[0])
    tmp = np.empty_like(out)
    for i in range(1, len(k)):
        np.multiply(p[i : i + n], np.float32(k[i]), out=tmp)
        out += tmp
    return out


def gaussian_blur(img: np.ndarray, sigma: float, truncate: float = 3.0) -> np.ndarray:
    """Gaussian blur with std sigma in pixels (float32 out), the same numbers as scipy's gaussian_filter."""
    return separable(img, gaussian_kernel(sigma, truncate))


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Round to the nearest integer and clip to 0..255."""
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def unsharp_mask(img: np.ndarray, amount: float = 1.0, sigma: float = 2.0) -> np.ndarray:
    """Sharpen: x + amount (x - G_sigma * x), clipped; the blur's difference is the edge detail."""
    x = img.astype(np.float32)
    return to_uint8(x + np.float32(amount) * (x - gaussian_blur(x, sigma)))


SHARPEN_KERNEL = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=np.float32)  # minus the Laplacian


def kernel_sharpen(img: np.ndarray, amount: float = 1.0) -> np.ndarray:
    """Sharpen with the 3 x 3 kernel identity + amount * [[0,-1,0],[-1,4,-1],[0,-1,0]] (edges mirrored).

    The centre value gets (1 + 4 amount) x, minus amount times its four neighbours: where the
    image is flat that cancels, at an edge it overshoots on both sides, which reads as sharper.
    """
    x = img.astype(np.float32)
    pad = [(1, 1), (1, 1)] + [(0, 0)] * (img.ndim - 2)
    p = np.pad(x, pad, mode="symmetric")
    neighbours = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:]
    return to_uint8((1 + 4 * np.float32(amount)) * x - np.float32(amount) * neighbours)
