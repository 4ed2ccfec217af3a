"""The Image basics page's view config: which section, which image, and every slider, as one
frozen dataclass whose field names are the page's URL parameters (via core.config's codec).

Ranges are chosen so that every operation stays interactive on a 1024 x 1024 image. Pure: no
streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import config_field
from core.image_quality import FILTERS, NOISES
from core.image_samples import SAMPLES
from core.images import FLIPS, METHODS

SECTIONS = {
    "pixels": "Pixels",
    "resolution": "Bitmaps & resolution",
    "bit_depth": "Bit depth",
    "geometry": "Geometric transforms",
    "enhance": "Enhancement",
    "restore": "Restoration",
    "compress": "Compression",
}
GRIDS = ("rgb", "red", "green", "blue", "gray")
WARP_METHODS = ("nearest", "bilinear")  # bicubic warps cost ~3x more: too slow to redraw live
SHARPENERS = ("unsharp", "kernel")
WINDOWS = ("3x3", "5x5", "7x7")
UPLOAD = "upload"


def window_size(window: str) -> int:
    """'5x5' -> 5."""
    return int(window.split("x")[0])


@dataclass(frozen=True)
class ImageBasicsView:
    """Everything the Image basics page shows, so a share link reopens the same view."""

    section: str = config_field("pixels", "Section", "which lesson to show", choices=tuple(SECTIONS))
    image: str = config_field(
        "china", "Image", "a bundled picture, or your own file", choices=(*SAMPLES, UPLOAD)
    )
    # Pixels
    zoom_x: int = config_field(50, "Window centre x (%)", "across the image, 0 = left edge", min=0, max=100)
    zoom_y: int = config_field(50, "Window centre y (%)", "down the image, 0 = top edge", min=0, max=100)
    zoom: int = config_field(12, "Window size (pixels)", "pixels per side of the zoomed grid", min=2, max=32)
    grid: str = config_field(
        "rgb", "Values shown", "all three channels, one, or the grey luma", choices=GRIDS
    )
    # Bitmaps and resolution
    resize: int = config_field(
        12, "Downsample to (% of each side)", "the small copy's width and height", min=1, max=100
    )
    method: str = config_field("bilinear", "Downsampling", "interpolation used to shrink", choices=METHODS)
    # Bit depth
    bits: int = config_field(3, "Bits per channel (k)", "2^k levels per channel", min=1, max=8)
    threshold: int = config_field(128, "1-bit threshold", "grey values >= this become white", min=0, max=255)
    # Geometric transforms
    angle: int = config_field(15, "Rotate (degrees)", "anticlockwise about the centre", min=-180, max=180)
    scale: float = config_field(1.0, "Scale", "size factor about the centre", min=0.25, max=3.0)
    shear: float = config_field(0.0, "Shear", "x moves by shear x y", min=-1.0, max=1.0)
    tx: int = config_field(0, "Move right (% of width)", "translation along x", min=-50, max=50)
    ty: int = config_field(0, "Move down (% of height)", "translation along y", min=-50, max=50)
    flip: str = config_field("none", "Flip", "mirror the image", choices=FLIPS)
    interp: str = config_field(
        "bilinear", "Interpolation", "how in-between points are read", choices=WARP_METHODS
    )
    # Enhancement
    brightness: int = config_field(0, "Brightness", "added to every value", min=-128, max=128)
    contrast: float = config_field(1.0, "Contrast", "stretch away from mid-grey 128", min=0.0, max=3.0)
    gamma: float = config_field(1.5, "Gamma", "out = in^gamma on 0..1: < 1 lifts shadows", min=0.2, max=5.0)
    sharpen: str = config_field("unsharp", "Sharpening", "unsharp mask or a 3x3 kernel", choices=SHARPENERS)
    amount: float = config_field(
        1.0, "Sharpen amount", "how much edge detail is added back", min=0.0, max=3.0
    )
    radius: float = config_field(
        2.0, "Unsharp radius (sigma)", "blur size the detail is taken from", min=0.5, max=3.0
    )
    # Restoration
    noise: str = config_field("salt_pepper", "Noise", "Gaussian or salt-and-pepper", choices=NOISES)
    sigma: int = config_field(
        25, "Gaussian noise sigma", "standard deviation added to each value", min=0, max=100
    )
    density: float = config_field(0.05, "Salt-and-pepper share", "share of pixels hit", min=0.0, max=0.5)
    filter: str = config_field("median", "Denoising filter", "mean, median or Gaussian", choices=FILTERS)
    window: str = config_field("3x3", "Mean window", "neighbourhood the mean averages", choices=WINDOWS)
    blur: float = config_field(1.0, "Gaussian filter sigma", "std of the smoothing window", min=0.5, max=2.0)
    seed: int = config_field(0, "Noise seed", "same seed, same noise", min=0, max=2**31 - 1)
    # Compression
    quality: int = config_field(30, "JPEG quality", "1 = smallest file, 95 = best", min=1, max=95)
    gain: int = config_field(8, "Difference gain", "the error image is multiplied by this", min=1, max=32)
