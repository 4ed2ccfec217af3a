"""Uploads decode to (H, W, 3) uint8 RGB whatever their format and mode; bad files give ImageError.

Every file is generated here with PIL (or by hand, for the decompression bombs), and every
expected pixel is computed in the test from the values that went in, not by the code under test.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from core.imaging import imageio
from core.imaging.image_samples import sample_image
from core.imaging.imageio import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    ImageError,
    LoadedImage,
    load_image,
    to_gray,
)

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (30, 40, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (30, 40), dtype=np.uint8)


def save(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def load(data: bytes, name: str = "test", **kw) -> LoadedImage:
    """load_image with every warning turned into an error: none may escape."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return load_image(data, name, **kw)


def check_rgb(img: LoadedImage, shape: tuple[int, int]) -> None:
    assert img.rgb.dtype == np.uint8 and img.rgb.shape == (*shape, 3) and img.rgb.flags.c_contiguous


# --- formats ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "GIF_RGB_SAFE", "WEBP_LOSSLESS"])
def test_lossless_formats_give_back_the_exact_pixels(fmt):
    src = RGB
    if fmt == "GIF_RGB_SAFE":  # GIF holds 256 colours: use an image with few colours
        src = (RGB // 64) * 64
        data = save(Image.fromarray(src), "GIF")
    elif fmt == "WEBP_LOSSLESS":
        data = save(Image.fromarray(src), "WEBP", lossless=True)
    else:
        data = save(Image.fromarray(src), fmt)
    img = load(data, f"x.{fmt.lower()}")
    check_rgb(img, (30, 40))
    np.testing.assert_array_equal(img.rgb, src)
    assert img.original_size == (40, 30) and img.notices == ()
    assert img.format == fmt.split("_")[0]


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_lossy_formats_are_close(fmt):
    smooth = np.stack(np.meshgrid(np.linspace(0, 255, 64), np.linspace(0, 255, 48)) * 2, -1)[..., :3]
    src = smooth.astype(np.uint8)
    img = load(save(Image.fromarray(src), fmt, quality=95), "x")
    check_rgb(img, (48, 64))
    assert np.abs(img.rgb.astype(int) - src).mean() < 3
    assert img.format == fmt and img.mode == "RGB"


def test_grayscale_l_is_repeated_into_three_equal_channels():
    img = load(save(Image.fromarray(GRAY), "PNG"))
    assert img.mode == "L"
    np.testing.assert_array_equal(img.rgb, np.repeat(GRAY[..., None], 3, axis=2))


def test_one_bit_image_is_black_and_white():
    bits = GRAY > 128
    img = load(save(Image.fromarray(bits), "PNG"))
    assert img.mode == "1"
    np.testing.assert_array_equal(img.rgb[..., 0], np.where(bits, 255, 0))


def test_palette_image_looks_up_each_index():
    palette = RNG.integers(0, 256, (16, 3), dtype=np.uint8)
    index = RNG.integers(0, 16, (20, 25), dtype=np.uint8)
    im = Image.fromarray(index, "P")
    im.putpalette(palette.ravel().tolist())
    for fmt in ("PNG", "GIF", "BMP", "TIFF"):
        img = load(save(im, fmt), f"p.{fmt}")
        assert img.mode == "P"
        np.testing.assert_array_equal(img.rgb, palette[index])


def test_palette_transparency_is_composited_on_white():
    palette = np.array([[10, 20, 30], [200, 100, 50]], dtype=np.uint8)
    index = (np.arange(12).reshape(3, 4) % 2).astype(np.uint8)
    im = Image.fromarray(index, "P")
    im.putpalette(palette.ravel().tolist())
    img = load(save(im, "GIF", transparency=0))  # colour 0 is see-through
    expect = np.where(index[..., None] == 0, 255, palette[index])
    np.testing.assert_array_equal(img.rgb, expect)


def test_16_bit_is_scaled_to_8_bit_not_clipped():
    v16 = np.array([[0, 257, 1000, 32768], [40000, 65279, 65534, 65535]], dtype=np.uint16)
    img = load(save(Image.fromarray(v16), "PNG"), "deep.png")
    assert img.mode.startswith("I;16")
    expect = np.array([[round(int(v) * 255 / 65535) for v in row] for row in v16])
    np.testing.assert_array_equal(img.rgb[..., 0], expect)
    assert img.rgb[0, 2, 0] == 4  # 1000 / 65535 of full scale, not clipped to 255
    np.testing.assert_array_equal(img.rgb[..., 1], img.rgb[..., 2])


def test_16_bit_tiff_and_32_bit_modes():
    v16 = (np.arange(40, dtype=np.uint16).reshape(5, 8) * 1600).astype(np.uint16)
    img = load(save(Image.fromarray(v16), "TIFF"))
    np.testing.assert_array_equal(img.rgb[..., 0], np.rint(v16 * (255 / 65535)).astype(np.uint8))
    # Mode F holding 0..1 floats (e.g. from a scientific camera) maps 1.0 to 255.
    f = np.linspace(0, 1, 40, dtype=np.float32).reshape(5, 8)
    img = load(save(Image.fromarray(f, "F"), "TIFF"))
    assert img.mode == "F"
    np.testing.assert_array_equal(img.rgb[..., 0], np.rint(f.astype(np.float64) * 255).astype(np.uint8))
    # Mode I with a wide range is stretched onto 0..255, with a notice saying so.
    i32 = (np.arange(40, dtype=np.int32).reshape(5, 8) - 20) * 100_000
    img = load(save(Image.fromarray(i32, "I"), "TIFF"))
    assert img.rgb[..., 0].min() == 0 and img.rgb[..., 0].max() == 255
    assert any("stretched" in n for n in img.notices)


def test_cmyk_is_converted_with_the_standard_formula():
    cmyk = RNG.integers(0, 256, (10, 12, 4), dtype=np.uint8)
    img = load(save(Image.fromarray(cmyk, "CMYK"), "TIFF"), "print.tif")
    assert img.mode == "CMYK"
    c, m, y, k = (cmyk[..., i].astype(float) for i in range(4))
    expect = np.stack([(255 - c) * (255 - k), (255 - m) * (255 - k), (255 - y) * (255 - k)], -1) / 255
    assert np.abs(img.rgb - expect).max() <= 1.0  # PIL's integer rounding
    jpeg = load(save(Image.fromarray(cmyk, "CMYK"), "JPEG", quality=95), "print.jpg")
    check_rgb(jpeg, (10, 12))
    assert jpeg.mode == "CMYK"


def test_rgba_and_la_are_composited_on_white():
    rgba = RNG.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    img = load(save(Image.fromarray(rgba, "RGBA"), "PNG"))
    a = rgba[..., 3:4] / 255.0
    np.testing.assert_array_equal(img.rgb, np.rint(rgba[..., :3] * a + 255 * (1 - a)).astype(np.uint8))
    la = RNG.integers(0, 256, (20, 30, 2), dtype=np.uint8)
    img = load(save(Image.fromarray(la, "LA"), "PNG"))
    a = la[..., 1] / 255.0
    np.testing.assert_array_equal(img.rgb[..., 0], np.rint(la[..., 0] * a + 255 * (1 - a)).astype(np.uint8))
    clear = np.zeros((4, 4, 4), np.uint8)  # fully transparent black: white
    assert (load(save(Image.fromarray(clear, "RGBA"), "WEBP", lossless=True)).rgb == 255).all()


def test_animated_gif_keeps_the_first_frame_with_a_notice():
    frames = [Image.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (0, 128, 255)]
    data = save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    img = load(data, "anim.gif")
    assert (img.rgb == 0).all()
    assert any("first frame" in n and "animated GIF" in n and "3 frames" in n for n in img.notices)


def test_exif_orientation_is_applied():
    src = np.zeros((20, 40, 3), np.uint8)
    src[:, :10] = 255  # a white band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    img = load(save(Image.fromarray(src), "JPEG", quality=95, exif=exif.tobytes()))
    assert img.rgb.shape == (40, 20, 3) and img.original_size == (20, 40)
    assert img.rgb[:10].mean() > 200 and img.rgb[-10:].mean() < 50  # the band is now at the top
    assert any("EXIF" in n for n in img.notices)


# --- bad input ----------------------------------------------------------------------------------------
def test_empty_file():
    with pytest.raises(ImageError, match="empty"):
        load(b"", "nothing.png")


def test_text_file():
    with pytest.raises(ImageError, match="text file"):
        load(b"name,age\nAda,36\n" * 20, "people.csv")


def test_random_bytes_are_not_an_image():
    with pytest.raises(ImageError, match="not an image"):
        load(RNG.integers(0, 256, 5000, dtype=np.uint8).tobytes(), "noise.bin")


def test_corrupt_and_truncated_files():
    png = save(Image.fromarray(RGB), "PNG")
    with pytest.raises(ImageError, match="corrupt or truncated"):
        load(png[: len(png) // 2], "half.png")
    for start, damage in ((41, b"\xff\xff"), (100, bytes(300))):  # the zlib header; the pixel data
        broken = bytearray(png)
        broken[start : start + len(damage)] = damage
        with pytest.raises(ImageError, match="corrupt or truncated"):
            load(bytes(broken), "broken.png")
    jpeg = save(Image.fromarray(RGB), "JPEG")
    with pytest.raises(ImageError, match="corrupt or truncated"):
        load(jpeg[:300], "cut.jpg")
    with pytest.raises(ImageError):
        load(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "header-only.png")


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims width x height (1-bit grey): the header is all a bomb needs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("w", "h", "says"),
    [(20000, 20000, "400 million"), (10000, 10000, "100 million"), (7000, 7000, "7,000 x 7,000")],
)
def test_decompression_bomb_is_refused_from_the_header(w, h, says):
    before = Image.MAX_IMAGE_PIXELS
    data = png_header(w, h)
    assert len(data) < 200  # it claims hundreds of MB of pixels in a few bytes
    with pytest.raises(ImageError, match="limit is 40 million") as err:
        load(data, "bomb.png")  # 10000^2 makes PIL warn: load() turns any escaping warning into a failure
    assert says in str(err.value)
    assert Image.MAX_IMAGE_PIXELS == before  # PIL's global limit is left alone


def test_a_real_compressed_bomb_is_refused_too():
    data = save(Image.new("1", (8000, 6000)), "PNG")  # 48 MP of zeros: a few KB of file
    assert len(data) < 100_000 and 8000 * 6000 > MAX_PIXELS
    with pytest.raises(ImageError, match="8,000 x 6,000"):
        load(data, "zeros.png")


def test_too_many_bytes():
    with pytest.raises(ImageError, match=r"31\.2 MB; the limit is 25 MB"):
        load(b"\x89PNG" + b"\x00" * (31_200_000 - 4), "huge.png")
    with pytest.raises(ImageError, match=r"25,000,001 bytes; the limit is 25,000,000 bytes"):
        load(b"\x00" * (MAX_UPLOAD_BYTES + 1), "just-over.png")


def test_wrong_argument_type():
    with pytest.raises(ImageError, match="bytes"):
        load("not bytes", "x")  # type: ignore[arg-type]


# --- big images are shrunk --------------------------------------------------------------------
def test_large_image_is_shrunk_with_a_notice():
    big = np.zeros((2000, 3000, 3), np.uint8)
    big[:, 1500:] = 255
    img = load(save(Image.fromarray(big), "PNG", compress_level=1), "wide.png")
    assert img.rgb.shape == (683, 1024, 3) and img.original_size == (3000, 2000)
    assert img.notices == (
        "Shrunk from 3000x2000 to 1024x683 for display (the longer side is capped at 1024 px)",
    )
    assert img.rgb[:, :500].max() == 0 and img.rgb[:, 530:].min() == 255
    small = load(save(Image.fromarray(big), "PNG", compress_level=1), "wide.png", max_side=300)
    assert small.rgb.shape == (200, 300, 3)


def test_large_jpeg_decodes_at_reduced_scale_but_reports_its_true_size():
    big = np.tile(np.linspace(0, 255, 4096).astype(np.uint8), (2048, 1))
    img = load(save(Image.fromarray(big), "JPEG", quality=90), "pano.jpg")
    assert img.rgb.shape == (512, 1024, 3) and img.original_size == (4096, 2048)
    assert img.notices[0].startswith("Shrunk from 4096x2048 to 1024x512")
    ref = np.asarray(Image.fromarray(big).resize((1024, 512), Image.Resampling.BOX))
    assert np.abs(img.rgb[..., 0].astype(int) - ref).mean() < 2


# --- luma ----------------------------------------------------------------------------------------
def test_to_gray_is_bt601_rounded_half_up():
    triples = RNG.integers(0, 256, (5000, 3))
    # Exact rational arithmetic, rounded half up: floor(y + 1/2).
    expect = [int(Fraction(299 * r + 587 * g + 114 * b, 1000) + Fraction(1, 2)) for r, g, b in triples]
    got = to_gray(triples.astype(np.uint8).reshape(50, 100, 3)).ravel()
    np.testing.assert_array_equal(got, expect)
    # A tie: 0.299 * 5 + 0.587 * 0 + 0.114 * 0 ... none of these is exactly .5, so find one that is.
    ties = [(r, g, b) for r in range(0, 256, 5) for g in range(0, 256, 5) for b in (0, 5)]
    ties = [t for t in ties if (299 * t[0] + 587 * t[1] + 114 * t[2]) % 1000 == 500][:5]
    assert ties  # e.g. (0, 10, 5): 5.87 + 0.57 ... whichever the search finds
    for r, g, b in ties:
        y = (299 * r + 587 * g + 114 * b) / 1000
        assert to_gray(np.array([[[r, g, b]]], np.uint8))[0, 0] == int(y) + 1  # .5 goes up
    assert to_gray(np.array([[[255, 255, 255], [0, 0, 0]]], np.uint8)).tolist() == [[255, 0]]
    # PIL's own L conversion uses the same weights in fixed point: at most 1 apart.
    pil = np.asarray(Image.fromarray(RGB).convert("L")).astype(int)
    assert np.abs(to_gray(RGB).astype(int) - pil).max() <= 1
    assert to_gray(GRAY) is GRAY or (to_gray(GRAY) == GRAY).all()


def test_loaded_image_is_frozen():
    img = sample_image("digit")
    with pytest.raises(AttributeError):
        img.name = "other"  # type: ignore[misc]
    assert imageio.MAX_PIXELS == MAX_PIXELS
