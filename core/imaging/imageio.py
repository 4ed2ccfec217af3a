"""Images in: uploads decoded safely to (H, W, 3) uint8 RGB, shrinking for display, grey luma.

Every way an upload can go wrong (empty, too many bytes, not an image, corrupt, truncated, a
decompression bomb, an odd colour mode) ends in an ImageError whose message can be shown to a
user as it is; PIL's own warnings and exceptions never escape. The pixel count is read from the
header and checked BEFORE the pixels are decoded, without touching PIL's global
Image.MAX_IMAGE_PIXELS. The bundled sample pictures live in core.imaging.image_samples (SAMPLES and
sample_image are still importable from here). Pure: no streamlit.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.base.i18n import _

MAX_UPLOAD_BYTES = 25 * 1_000_000  # 25 MB: a large phone photo is 3-12 MB
MAX_PIXELS = 40_000_000  # 40 megapixels (e.g. 8000 x 5000); decoded RGB would be 120 MB
READABLE = "PNG, JPEG, GIF, BMP, WebP, TIFF"  # format names: not translated


class ImageError(ValueError):
    """A message fit to show a user."""


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarrays with == is not a bool
class LoadedImage:
    """A decoded image ready for the lessons, with where it came from and what was done to it."""

    rgb: np.ndarray  # (H, W, 3) uint8, C-contiguous; treat as read-only (it may be cached)
    name: str  # file or sample name
    format: str  # "PNG", "JPEG", ... or "sample"
    mode: str  # the original PIL mode, e.g. "I;16", "CMYK", "P", "RGBA"
    original_size: tuple[int, int]  # (width, height) before any shrink (after EXIF rotation)
    notices: tuple[str, ...] = ()  # what the user should know: shrunk, first frame only, ...

    @property
    def shape(self) -> tuple[int, int, int]:
        """(H, W, 3) of the pixels."""
        return self.rgb.shape  # type: ignore[return-value]


def too_big(name: str, n: int) -> str:
    """'x.png is 31.2 MB; the limit is 25 MB' (exact bytes when the rounding would hide the excess)."""
    size, limit = f"{n / 1e6:.1f} MB", f"{MAX_UPLOAD_BYTES / 1e6:g} MB"
    if f"{n / 1e6:.1f}" == f"{MAX_UPLOAD_BYTES / 1e6:.1f}":
        size = _("{n} bytes").format(n=f"{n:,}")
        limit = _("{n} bytes").format(n=f"{MAX_UPLOAD_BYTES:,}")
    return _("{name} is {size}; the limit is {limit}").format(name=name, size=size, limit=limit)


def _looks_like_text(data: bytes) -> bool:
    """True for bytes that decode as mostly printable UTF-8 (a .txt, .csv, .html renamed)."""
    head = data[:2048]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 3:  # invalid UTF-8 well before the end: binary
            return False
        text = head[: err.start].decode("utf-8")  # the sample ended inside a multi-byte character
    if not text:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / len(text) > 0.95


def _scale_to_8bit(a: np.ndarray, full: float) -> np.ndarray:
    """Map 0..full linearly onto 0..255, rounded (a 16-bit 65535 becomes 255, not clipped)."""
    return np.clip(np.rint(a.astype(np.float64) * (255.0 / full)), 0, 255).astype(np.uint8)


def _gray_to_8bit(im: Image.Image, notices: list[str]) -> np.ndarray:
    """(H, W) uint8 from the integer / float single-channel modes (I;16*, I, F)."""
    a = np.asarray(im)
    if im.mode.startswith("I;16"):
        return _scale_to_8bit(a, 65535.0)  # 16-bit: 0..65535 -> 0..255
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        notices.append(_("Some pixel values were not finite numbers (NaN or infinity); they are shown as 0"))
        a = np.where(np.isfinite(a), a, 0.0)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if im.mode == "F" and lo >= 0 and hi <= 1:
        return _scale_to_8bit(a, 1.0)  # float images in 0..1
    if lo >= 0 and hi <= 255:
        return _scale_to_8bit(a, 255.0)  # already 8-bit values stored wide
    if lo >= 0 and hi <= 65535:
        return _scale_to_8bit(a, 65535.0)  # 16-bit values stored as 32-bit
    notices.append(
        _("Pixel values span {lo} to {hi}; they were stretched linearly onto 0-255").format(
            lo=f"{lo:g}", hi=f"{hi:g}"
        )
    )
    return _scale_to_8bit(a - lo, hi - lo if hi > lo else 1.0)


def _on_white(rgba: np.ndarray) -> np.ndarray:
    """Composite straight alpha over white: out = a * rgb + (1 - a) * 255, rounded."""
    rgb = rgba[..., :3].astype(np.uint16)
    alpha = rgba[..., 3:4].astype(np.uint16)
    # Integer form of the blend with rounding: (rgb * a + 255 * (255 - a) + 127) // 255.
    out = (rgb * alpha + 255 * (255 - alpha) + 127) // 255
    return out.astype(np.uint8)


def to_rgb_array(im: Image.Image, notices: list[str]) -> np.ndarray:
    """Any PIL mode -> (H, W, 3) uint8: alpha on white, 16-bit scaled, CMYK / palette converted."""
    mode = im.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        gray = _gray_to_8bit(im, notices)
        return np.repeat(gray[..., None], 3, axis=2)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if has_alpha:
        return _on_white(np.asarray(im.convert("RGBA")))
    if mode == "RGB":
        return np.asarray(im)
    try:
        return np.asarray(im.convert("RGB"))  # L, 1, P, CMYK, YCbCr, HSV, RGBX, ...
    except (ValueError, OSError) as err:
        raise ImageError(
            _("its colour mode {mode} cannot be shown as RGB ({err})").format(mode=repr(mode), err=err)
        ) from None


def shrink(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Resize so the longer side is at most max_side (area-averaging, so no aliasing)."""
    h, w = rgb.shape[:2]
    if max(h, w) <= max_side:
        return rgb
    f = max_side / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    # reducing_gap: a fast box pre-shrink, then Lanczos for the last factor of 3 (PIL docs).
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0))


def finish(
    rgb: np.ndarray,
    name: str,
    fmt: str,
    mode: str,
    original: tuple[int, int],
    max_side: int,
    notices: list[str],
) -> LoadedImage:
    """Shrink for display if needed (with a notice) and pack the result."""
    small = shrink(rgb, max_side)
    sh, sw = small.shape[:2]
    if (sw, sh) != original:
        notices.append(
            _("Shrunk from {w0}x{h0} to {w}x{h} for display (the longer side is capped at {cap} px)").format(
                w0=original[0], h0=original[1], w=sw, h=sh, cap=max_side
            )
        )
    return LoadedImage(np.ascontiguousarray(small, dtype=np.uint8), name, fmt, mode, original, tuple(notices))


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation tag (1 = upright; 5-8 include a quarter turn); 1 when unreadable.

    Call it only after im.load(): PNG's getexif() loads the pixels itself, and a failure there
    must surface as a decoding error, not be mistaken for a missing tag.
    """
    try:
        value = im.getexif().get(0x0112, 1)
        return value if isinstance(value, int) and 1 <= value <= 8 else 1
    except Exception:  # a damaged EXIF block must not cost the user their image
        return 1


def _upright(im: Image.Image, orientation: int, notices: list[str]) -> Image.Image:
    """Apply the EXIF orientation (phones store photos sideways and set this tag)."""
    if orientation == 1:
        return im
    try:
        out = ImageOps.exif_transpose(im)
    except Exception:
        notices.append(_("The EXIF orientation tag could not be applied; the image is shown as stored"))
        return im
    notices.append(_("Rotated upright as the camera's EXIF orientation tag says"))
    return out


def _corrupt(name: str, err: object, decoding: bool = True) -> ImageError:
    text = (
        _("{name} could not be decoded: the file is corrupt or truncated ({err})")
        if decoding
        else _("{name} could not be read as an image: the file is corrupt or truncated ({err})")
    )
    return ImageError(text.format(name=name, err=err))


def load_image(data: bytes, name: str = "upload", max_side: int = 1024) -> LoadedImage:
    """Decode uploaded bytes to RGB, or raise ImageError with a reason a user can act on."""
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError(
            _("{name}: expected the file's bytes, got {kind}").format(name=name, kind=type(data).__name__)
        )
    data = bytes(data)
    if not data:
        raise ImageError(_("{name} is empty (0 bytes): there is no image in it").format(name=name))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(too_big(name, len(data)))
    notices: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        # Recorded here, never printed or raised. (catch_warnings swaps process-wide state; two
        # uploads decoded at the same instant in two sessions could at worst misfile a warning.)
        warnings.simplefilter("always")
        try:
            im = Image.open(io.BytesIO(data))  # reads the header only
        except Image.DecompressionBombError as err:  # PIL's own hard limit (2 x MAX_IMAGE_PIXELS)
            claimed = re.search(r"\((\d+) pixels\)", str(err))
            raise ImageError(_bomb(name, pixels=int(claimed.group(1)) if claimed else None)) from None
        except UnidentifiedImageError:
            if _looks_like_text(data):
                raise ImageError(
                    _("{name} looks like a text file, not an image ({formats})").format(
                        name=name, formats=READABLE
                    )
                ) from None
            raise ImageError(
                _(
                    "{name} is not an image this app can read: expected {formats} "
                    "(the file may be corrupt or in another format)"
                ).format(name=name, formats=READABLE)
            ) from None
        except Exception as err:  # PIL raises many kinds on garbage headers
            raise _corrupt(name, err, decoding=False) from None
        with im:
            fmt, mode = im.format or "unknown", im.mode
            w, h = im.size
            # The decompression-bomb guard: the header's size, checked before any pixel is decoded.
            if w * h > MAX_PIXELS:
                raise ImageError(_bomb(name, w, h))
            if w < 1 or h < 1:
                raise ImageError(_("{name} has no pixels ({w} x {h})").format(name=name, w=w, h=h))
            frames = getattr(im, "n_frames", 1)
            if frames > 1:
                text = (
                    _("Only the first frame of this animated GIF ({n} frames) is used")
                    if fmt == "GIF"
                    else _("Only the first frame of this multi-frame {fmt} ({n} frames) is used")
                )
                notices.append(text.format(fmt=fmt, n=frames))
            try:
                if fmt == "JPEG" and mode in ("RGB", "L") and max(w, h) >= 2 * max_side:
                    im.draft(mode, (max_side, max_side))  # let libjpeg decode at 1/2, 1/4 or 1/8 scale
                im.load()
                orientation = _orientation(im)
                rgb = to_rgb_array(_upright(im, orientation, notices), notices)
            except ImageError as err:
                raise ImageError(f"{name}: {err}") from None
            except Image.DecompressionBombError:
                raise ImageError(_bomb(name, w, h)) from None
            except MemoryError:
                raise ImageError(
                    _("{name} is too large to decode in the memory available").format(name=name)
                ) from None
            except Exception as err:  # OSError (truncated), SyntaxError (broken PNG), zlib, struct, EOF
                raise _corrupt(name, err) from None
    if any(issubclass(c.category, Image.DecompressionBombWarning) for c in caught):
        raise ImageError(_bomb(name, w, h))
    original = (h, w) if orientation >= 5 else (w, h)  # as shown, after the EXIF rotation
    return finish(rgb, name, fmt, mode, original, max_side, notices)


def _bomb(name: str, w: int = 0, h: int = 0, pixels: int | None = None) -> str:
    """The decompression-bomb message, with the claimed size when known."""
    if w and h:
        size = _("says it is {w} x {h} = {mp} million pixels;").format(
            w=f"{w:,}", h=f"{h:,}", mp=f"{w * h / 1e6:,.0f}"
        )
    elif pixels:
        size = _("says it has {mp} million pixels;").format(mp=f"{pixels / 1e6:,.0f}")
    else:
        size = _("is too large;")
    return _(
        "{name} {size} the limit is {limit} million (a decompression-bomb guard: a small file that "
        "decodes to a huge image could exhaust the server's memory)"
    ).format(name=name, size=size, limit=f"{MAX_PIXELS / 1e6:.0f}")


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W) uint8 luma, ITU-R BT.601: Y = 0.299 R + 0.587 G + 0.114 B, rounded."""
    if rgb.ndim == 2:
        return rgb.astype(np.uint8, copy=False)
    if rgb.ndim != 3 or rgb.shape[2] < 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {rgb.shape}")
    r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
    # In thousandths, so it is exact integer arithmetic; + 500 rounds half up.
    return ((299 * r + 587 * g + 114 * b + 500) // 1000).astype(np.uint8)
