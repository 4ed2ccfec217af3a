"""The Image basics page's view config and its map of image processing's fields.

ImageBasicsView holds which section, which image and every slider, as one frozen dataclass whose
field names are the page's URL parameters (via core.contract.config's codec). Ranges are chosen so that
every operation stays interactive on a 1024 x 1024 image. Texts are marked with N_() and
translated where they are shown. Pure: no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.base.i18n import N_
from core.contract.config import config_field
from core.imaging.image_quality import FILTERS, NOISES
from core.imaging.image_samples import SAMPLES
from core.imaging.images import FLIPS, METHODS

SECTIONS = {
    "pixels": N_("Pixels"),
    "resolution": N_("Bitmaps & resolution"),
    "bit_depth": N_("Bit depth"),
    "geometry": N_("Geometric transforms"),
    "enhance": N_("Enhancement"),
    "restore": N_("Restoration"),
    "compress": N_("Compression"),
}
CNN_PAGE = "pages/7_CNN_Lab.py"


@dataclass(frozen=True)
class Field:
    """One field of image processing: what it does, and where the lab shows it."""

    name: str
    does: str
    where: str  # a section of this page, or CNN_PAGE


FIELDS = (
    Field(N_("Geometric transformation"), N_("moves pixels: rotate, scale, shear, flip, crop"), "geometry"),
    Field(
        N_("Enhancement"),
        N_("makes a low-quality image better to look at: contrast, brightness, sharper and larger"),
        "enhance",
    ),
    Field(N_("Restoration"), N_("undoes a known damage, such as noise, by modelling it"), "restore"),
    Field(
        N_("Compression"), N_("stores the pixels in fewer bytes, exactly (PNG) or nearly (JPEG)"), "compress"
    ),
    Field(
        N_("Object recognition"), N_("says what is in the picture: a CNN learns it from examples"), CNN_PAGE
    ),
)
GRIDS = ("rgb", "red", "green", "blue", "gray")
WARP_METHODS = ("nearest", "bilinear")  # bicubic warps cost ~3x more: too slow to redraw live
SHARPENERS = ("unsharp", "kernel")
WINDOWS = ("3x3", "5x5", "7x7")
UPLOAD = "upload"
VGA = (640, 480)  # the familiar example of a resolution


def window_size(window: str) -> int:
    """'5x5' -> 5."""
    return int(window.split("x")[0])


@dataclass(frozen=True)
class ImageBasicsView:
    """Everything the Image basics page shows, so a share link reopens the same view."""

    section: str = config_field("pixels", N_("Section"), N_("which lesson to show"), choices=tuple(SECTIONS))
    image: str = config_field(
        "china", N_("Image"), N_("a bundled picture, or your own file"), choices=(*SAMPLES, UPLOAD)
    )
    # Pixels
    zoom_x: int = config_field(
        50, N_("Window centre x (%)"), N_("across the image, 0 = left edge"), min=0, max=100
    )
    zoom_y: int = config_field(
        50, N_("Window centre y (%)"), N_("down the image, 0 = top edge"), min=0, max=100
    )
    zoom: int = config_field(
        12, N_("Window size (pixels)"), N_("pixels per side of the zoomed grid"), min=2, max=32
    )
    grid: str = config_field(
        "rgb", N_("Values shown"), N_("all three channels, one, or the grey luma"), choices=GRIDS
    )
    # Bitmaps and resolution
    resize: int = config_field(
        12, N_("Downsample to (% of each side)"), N_("the small copy's width and height"), min=1, max=100
    )
    method: str = config_field(
        "bilinear", N_("Downsampling"), N_("interpolation used to shrink"), choices=METHODS
    )
    # Bit depth
    bits: int = config_field(3, N_("Bits per channel (k)"), N_("2^k levels per channel"), min=1, max=8)
    threshold: int = config_field(
        128, N_("1-bit threshold"), N_("grey values >= this become white"), min=0, max=255
    )
    # Geometric transforms
    angle: int = config_field(
        15, N_("Rotate (degrees)"), N_("anticlockwise about the centre"), min=-180, max=180
    )
    scale: float = config_field(1.0, N_("Scale"), N_("size factor about the centre"), min=0.25, max=3.0)
    shear: float = config_field(0.0, N_("Shear"), N_("x moves by shear x y"), min=-1.0, max=1.0)
    tx: int = config_field(0, N_("Move right (% of width)"), N_("translation along x"), min=-50, max=50)
    ty: int = config_field(0, N_("Move down (% of height)"), N_("translation along y"), min=-50, max=50)
    flip: str = config_field("none", N_("Flip"), N_("mirror the image"), choices=FLIPS)
    interp: str = config_field(
        "bilinear", N_("Interpolation"), N_("how in-between points are read"), choices=WARP_METHODS
    )
    # Enhancement
    brightness: int = config_field(0, N_("Brightness"), N_("added to every value"), min=-128, max=128)
    contrast: float = config_field(
        1.0, N_("Contrast"), N_("stretch away from mid-grey 128"), min=0.0, max=3.0
    )
    gamma: float = config_field(
        1.5, N_("Gamma"), N_("out = in^gamma on 0..1: < 1 lifts shadows"), min=0.2, max=5.0
    )
    sharpen: str = config_field(
        "unsharp", N_("Sharpening"), N_("unsharp mask or a 3x3 kernel"), choices=SHARPENERS
    )
    amount: float = config_field(
        1.0, N_("Sharpen amount"), N_("how strongly the fine detail is amplified"), min=0.0, max=3.0
    )
    radius: float = config_field(
        2.0, N_("Unsharp radius (sigma)"), N_("blur size the detail is taken from"), min=0.5, max=3.0
    )
    factor: int = config_field(
        3, N_("Low resolution: shrink by"), N_("each side divided by this"), min=2, max=8
    )
    up_amount: float = config_field(
        1.0, N_("Sharpen after enlarging"), N_("unsharp mask amount"), min=0.0, max=3.0
    )
    up_sigma: float = config_field(
        1.0, N_("Its radius (sigma)"), N_("blur size the detail is taken from"), min=0.5, max=3.0
    )
    # Restoration
    noise: str = config_field("salt_pepper", N_("Noise"), N_("Gaussian or salt-and-pepper"), choices=NOISES)
    sigma: int = config_field(
        25, N_("Gaussian noise sigma"), N_("standard deviation added to each value"), min=0, max=100
    )
    density: float = config_field(
        0.05, N_("Salt-and-pepper share"), N_("share of pixels hit"), min=0.0, max=0.5
    )
    filter: str = config_field(
        "median", N_("Denoising filter"), N_("mean, median or Gaussian"), choices=FILTERS
    )
    window: str = config_field(
        "3x3", N_("Mean window"), N_("neighbourhood the mean averages"), choices=WINDOWS
    )
    blur: float = config_field(
        1.0, N_("Gaussian filter sigma"), N_("std of the smoothing window"), min=0.5, max=2.0
    )
    seed: int = config_field(0, N_("Noise seed"), N_("same seed, same noise"), min=0, max=2**31 - 1)
    # Compression
    quality: int = config_field(30, N_("JPEG quality"), N_("1 = smallest file, 95 = best"), min=1, max=95)
    gain: int = config_field(
        8, N_("Difference gain"), N_("the error image is multiplied by this"), min=1, max=32
    )
