"""Restoration and compression: seeded noise, denoising filters, PSNR, SSIM, JPEG against PNG.

PSNR = 10 log10(255^2 / MSE) over every pixel and channel. SSIM follows Wang, Bovik, Sheikh and
Simoncelli (2004): local means, variances and covariance under an 11 x 11 Gaussian window
(sigma 1.5), K1 = 0.01, K2 = 0.03, data range 255, on the BT.601 luma, averaged over the pixels
whose window lies inside the image. Pure: no streamlit.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.imaging.imageio import to_gray
from core.imaging.images import gaussian_blur, gaussian_kernel, separable, to_uint8

NOISES = ("gaussian", "salt_pepper")
FILTERS = ("mean", "median", "gaussian")
SSIM_SIGMA, SSIM_TRUNCATE = 1.5, 3.5  # radius int(3.5 * 1.5 + 0.5) = 5: the 11 x 11 window
SSIM_K1, SSIM_K2, DATA_RANGE = 0.01, 0.03, 255.0
PNG_LEVEL = 6  # zlib's default effort, what "a PNG" usually means


# --- Noise ---------------------------------------------------------------------------------------
def gaussian_noise(img: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Add N(0, sigma^2) to every value (same seed, same noise), round and clip to 0..255."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(img.shape, dtype=np.float32)  # in place from here: 3 M values
    x *= np.float32(sigma)
    x += img
    return to_uint8(x)


def salt_pepper(img: np.ndarray, amount: float, seed: int = 0) -> np.ndarray:
    """Set a share `amount` of the pixels (all channels) to black or white, half each on average."""
    rng = np.random.default_rng(seed)
    u = rng.random(img.shape[:2], dtype=np.float32)
    out = img.copy()
    out[u < amount / 2] = 0  # pepper
    out[(u >= amount / 2) & (u < amount)] = 255  # salt
    return out


def add_noise(img: np.ndarray, kind: str, strength: float, seed: int = 0) -> np.ndarray:
    """'gaussian' with sigma = strength, or 'salt_pepper' with amount = strength."""
    if kind == "gaussian":
        return gaussian_noise(img, strength, seed)
    if kind == "salt_pepper":
        return salt_pepper(img, strength, seed)
    raise ValueError(f"noise must be one of {', '.join(NOISES)}")


def stuck_share(original: np.ndarray, img: np.ndarray) -> float:
    """Share of the pixels that are pure black or pure white in img but not in the original:
    salt and pepper still there (every channel 0, or every channel 255)."""

    def stuck(x: np.ndarray) -> np.ndarray:
        x = x if x.ndim == 3 else x[..., None]
        return np.all(x == 0, axis=-1) | np.all(x == 255, axis=-1)

    return float(np.mean(stuck(img) & ~stuck(original)))


# --- Denoising -----------------------------------------------------------------------------------
def mean_filter(img: np.ndarray, size: int = 3) -> np.ndarray:
    """Each pixel becomes the average of its size x size neighbourhood (edges mirrored)."""
    return to_uint8(separable(img, np.full(size, 1.0 / size)))  # a box is separable too


def gaussian_filter(img: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Each pixel becomes a Gaussian-weighted average of its neighbours (std sigma, edges mirrored)."""
    return to_uint8(gaussian_blur(img, sigma))


def _med3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def median_filter(img: np.ndarray) -> np.ndarray:
    """Each pixel becomes the median of its 3 x 3 neighbourhood (edges mirrored), per channel.

    Fast exact form: sort every vertical triple once (low, mid, high); the median of 9 is then
    the median of (the largest of the 3 lows, the median of the 3 mids, the smallest of the 3
    highs) over the 3 columns of the window (Paeth / Devillard). About 20 min/max passes.
    """
    pad = [(1, 1), (1, 1)] + ([(0, 0)] if img.ndim == 3 else [])
    p = np.pad(img, pad, mode="symmetric")  # scipy's "reflect": the edge pixel repeats
    up, mid, down = p[:-2], p[1:-1], p[2:]
    lo, hi = np.minimum(up, mid), np.maximum(up, mid)
    middle = np.maximum(lo, np.minimum(hi, down))  # the median of each vertical triple
    low, high = np.minimum(lo, down), np.maximum(hi, down)
    left, centre, right = slice(None, -2), slice(1, -1), slice(2, None)
    max_low = np.maximum(np.maximum(low[:, left], low[:, centre]), low[:, right])
    med_mid = _med3(middle[:, left], middle[:, centre], middle[:, right])
    min_high = np.minimum(np.minimum(high[:, left], high[:, centre]), high[:, right])
    return np.ascontiguousarray(_med3(max_low, med_mid, min_high))


def denoise(img: np.ndarray, method: str, size: int = 3, sigma: float = 1.0) -> np.ndarray:
    """'mean' (size x size), 'median' (3 x 3) or 'gaussian' (std sigma) smoothing."""
    if method == "mean":
        return mean_filter(img, size)
    if method == "median":
        return median_filter(img)
    if method == "gaussian":
        return gaussian_filter(img, sigma)
    raise ValueError(f"filter must be one of {', '.join(FILTERS)}")


# --- Quality measures ----------------------------------------------------------------------------
def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared difference over every pixel and channel."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    d = np.subtract(a, b, dtype=np.int16).astype(np.float64).ravel()  # exact differences
    return float(np.dot(d, d)) / d.size  # the sum of squares as one BLAS dot product


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB: 10 log10(255^2 / MSE); infinite for identical images."""
    m = mse(a, b)
    return math.inf if m == 0 else 10.0 * math.log10(DATA_RANGE**2 / m)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of the lumas (1 = identical; Wang et al. 2004, Gaussian window)."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    # Centre on 128 so the float32 second moments stay small (less cancellation); the window
    # weights sum to 1, so adding 128 back to the filtered values gives the exact local means.
    x = to_gray(a).astype(np.float32) - 128
    y = to_gray(b).astype(np.float32) - 128

    k = gaussian_kernel(SSIM_SIGMA, SSIM_TRUNCATE)
    r = len(k) // 2
    # Average only the windows that lie wholly inside the image, as in the paper (and
    # filter only those: no mirrored border); an image smaller than a window uses them all.
    valid = x.shape[0] > 2 * r and x.shape[1] > 2 * r

    def g(v: np.ndarray) -> np.ndarray:
        return separable(v, k, valid)

    # The formula needs only the SUM of the two variances, and filtering is linear, so
    # g(x^2) + g(y^2) is done as one g(x^2 + y^2): four Gaussian filters instead of five.
    mx, my = g(x), g(y)
    var_sum = g(x * x + y * y) - mx * mx - my * my  # sigma_x^2 + sigma_y^2 under the window
    cxy = g(x * y) - mx * my  # sigma_xy: E[xy] - E[x] E[y]
    mx += 128
    my += 128
    c1, c2 = (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (var_sum + c2))
    return float(np.mean(s, dtype=np.float64))


@dataclass(frozen=True)
class Scored:
    """An image and how close it is to the original."""

    image: np.ndarray
    psnr: float
    ssim: float


def scored(original: np.ndarray, img: np.ndarray) -> Scored:
    """img with its PSNR and SSIM against the original."""
    return Scored(img, psnr(original, img), ssim(original, img))


def noisy(img: np.ndarray, kind: str, strength: float, seed: int) -> Scored:
    """The image with seeded noise added, scored against the clean one."""
    return scored(img, add_noise(img, kind, strength, seed))


def restored(
    original: np.ndarray, dirty: np.ndarray, method: str, size: int = 3, sigma: float = 1.0
) -> Scored:
    """The noisy image filtered, scored against the clean original."""
    return scored(original, denoise(dirty, method, size, sigma))


# --- Compression ---------------------------------------------------------------------------------
def encode(img: np.ndarray, fmt: str, quality: int = 75) -> bytes:
    """The file bytes of img as 'JPEG' (at quality 1..95+, 4:2:0 chroma) or 'PNG' (lossless)."""
    buf = io.BytesIO()
    pil = Image.fromarray(np.ascontiguousarray(img, dtype=np.uint8))
    if fmt == "JPEG":
        pil.save(buf, "JPEG", quality=int(quality))
    elif fmt == "PNG":
        pil.save(buf, "PNG", compress_level=PNG_LEVEL)
    else:
        raise ValueError("format must be JPEG or PNG")
    return buf.getvalue()


CHROMA = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}  # PIL's get_sampling codes


def jpeg_layout(quality: int) -> tuple[str, bool]:
    """How Pillow's JPEG encoder stores colour at this quality with its default settings, read
    back from a file it wrote: (chroma subsampling '4:4:4' / '4:2:2' / '4:2:0', whether the
    file is JFIF, i.e. Y Cb Cr components rather than R G B)."""
    from PIL import JpegImagePlugin

    data = encode(np.zeros((16, 16, 3), np.uint8), "JPEG", quality)
    with Image.open(io.BytesIO(data)) as im:
        sampling = CHROMA.get(JpegImagePlugin.get_sampling(im), "other")
        ids = tuple(layer[0] for layer in im.layer)
        return sampling, "jfif" in im.info and ids == (1, 2, 3)  # JFIF: components 1, 2, 3 = Y, Cb, Cr


def decode(data: bytes) -> np.ndarray:
    """Pixels back from our own encoded bytes, in the mode they were saved in."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)


def difference(a: np.ndarray, b: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """|a - b| per value, multiplied by gain so small errors become visible, clipped to 255."""
    d = np.abs(a.astype(np.int16) - b.astype(np.int16)).astype(np.float32)
    return to_uint8(d * np.float32(gain))


@dataclass(frozen=True)
class Compressed:
    """One image stored as JPEG at some quality, and as PNG, with the costs and the damage."""

    raw_bytes: int  # W x H x 3: the uncompressed 24-bit pixels
    jpeg_bytes: int
    png_bytes: int
    jpeg_psnr: float  # PNG is lossless: its PSNR is infinite
    jpeg_ssim: float
    decoded: np.ndarray  # the JPEG decoded back
    max_error: int  # the largest |original - decoded| over every value

    @property
    def jpeg_ratio(self) -> float:
        """Raw bytes / JPEG bytes: how many times smaller."""
        return self.raw_bytes / self.jpeg_bytes

    @property
    def png_ratio(self) -> float:
        """Raw bytes / PNG bytes."""
        return self.raw_bytes / self.png_bytes


def png_roundtrip(img: np.ndarray) -> tuple[int, bool]:
    """(PNG size in bytes, whether decoding it gives back exactly the same values)."""
    data = encode(img, "PNG")
    return len(data), bool(np.array_equal(decode(data), img))


def jpeg_roundtrip(img: np.ndarray, quality: int) -> tuple[bytes, np.ndarray]:
    """Encode as JPEG at this quality and decode it again: (bytes, pixels as the viewer sees them)."""
    data = encode(img, "JPEG", quality)
    return data, decode(data)


def compress(img: np.ndarray, quality: int, png_size: int | None = None) -> Compressed:
    """JPEG at `quality` against PNG: sizes, ratios, PSNR and SSIM (png_size reuses a known PNG size)."""
    data, decoded = jpeg_roundtrip(img, quality)
    png = png_size if png_size is not None else len(encode(img, "PNG"))
    raw = img.shape[0] * img.shape[1] * (img.shape[2] if img.ndim == 3 else 1)
    worst = int(np.max(np.abs(np.subtract(img, decoded, dtype=np.int16))))
    return Compressed(raw, len(data), png, psnr(img, decoded), ssim(img, decoded), decoded, worst)
