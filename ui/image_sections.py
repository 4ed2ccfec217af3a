"""The Image basics page's sections: each draws its lesson, its controls, the numbers and the
pictures for one image, calling core for every value (as ui/views.py does for the MLP lab).

Results that do not depend on the slider being moved are cached per image (keyed by a digest
of its pixels, never by the array itself, whose hash Streamlit samples), so a slider move only
recomputes what it changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from core import image_quality as quality
from core import images as ops
from core.config import field_specs
from core.image_lessons import ImageBasicsView
from core.imageio import to_gray
from ui import image_charts as charts
from ui.code import show_code
from ui.controls import field_widget
from ui.state import widget_key

PREFIX = "img"
OPS: dict[str, Callable[..., Any]] = {
    "equalize": ops.equalize,
    "unsharp": ops.unsharp_mask,
    "kernel": ops.kernel_sharpen,
    "noisy": quality.noisy,
    "restored": quality.restored,
    "png": quality.png_roundtrip,
}


@st.cache_data(max_entries=48, show_spinner=False)
def cached(op: str, key: str, args: tuple, _img: np.ndarray | tuple[np.ndarray, ...]) -> Any:
    """OPS[op](img, *args) (or OPS[op](*imgs, *args) for a tuple), once per (op, key, args).

    key must identify the image(s): a digest of the pixels plus whatever made them.
    """
    return OPS[op](*_img, *args) if isinstance(_img, tuple) else OPS[op](_img, *args)


@st.cache_data(max_entries=16, show_spinner=False)
def quality_curve(key: str, _img: np.ndarray) -> tuple[list[int], list[float], list[float]]:
    """JPEG KB and PSNR at qualities 5..95: computed once per image."""
    qs = list(range(5, 96, 10))
    kb, db = [], []
    for q in qs:
        data, back = quality.jpeg_roundtrip(_img, q)
        kb.append(len(data) / 1000)
        db.append(quality.psnr(_img, back))
    return qs, kb, db


def w(name: str) -> Any:
    """The widget of one view field (label, help and range from the field itself)."""
    return field_widget(ImageBasicsView, PREFIX, name)


def slider(name: str, step: float) -> float:
    """A float field as a slider with a step of our choosing."""
    spec = field_specs(ImageBasicsView)[name]
    key = widget_key(PREFIX, name)
    return st.slider(
        spec["label"], float(spec["min"]), float(spec["max"]), step=step, key=key, help=spec["help"]
    )


def fmt_bytes(n: int) -> str:
    return f"{n:,} B" if n < 10_000 else f"{n / 1000:,.1f} KB"


def fmt_db(v: float) -> str:
    return "∞ dB" if math.isinf(v) else f"{v:.2f} dB"


# --- Pixels --------------------------------------------------------------------------------------
def pixels(rgb: np.ndarray) -> None:
    """A window of the image, zoomed down to its pixel values."""
    st.markdown(
        "A digital image is a grid of **pixels**. A colour pixel holds three numbers, its **red, green "
        "and blue** light, each a whole number from 0 (none) to 255 (full): (0, 0, 0) is black, "
        "(255, 255, 255) white, (255, 0, 0) pure red. Move the window and shrink it until the "
        "numbers appear on the cells. Row y counts down from the top, column x from the left."
    )
    h, wd = rgb.shape[:2]
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        cx = w("zoom_x")
    with c2:
        cy = w("zoom_y")
    with c3:
        size = w("zoom")
    with c4:
        show = w("grid")
    x0, y0, ww, hh = ops.zoom_window(rgb.shape, cx / 100, cy / 100, size)
    patch = ops.crop(rgb, x0, y0, ww, hh)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.plotly_chart(charts.overview_figure(rgb, (x0, y0, ww, hh)), width="stretch")
    with right:
        yc, xc = y0 + hh // 2, x0 + ww // 2
        r, g, b = (int(v) for v in rgb[yc, xc])
        y = int(to_gray(rgb[yc : yc + 1, xc : xc + 1])[0, 0])
        st.markdown(
            f"The image is an array of shape **{rgb.shape}**: {h} rows x {wd} columns x 3 channels, "
            f"{ops.pixel_count(rgb.shape):,} pixels, {rgb.size:,} numbers."
        )
        st.markdown(
            f"The red box holds columns {x0}-{x0 + ww - 1} and rows {y0}-{y0 + hh - 1}: "
            f"{ww} x {hh} = {ww * hh} pixels, drawn below one square per pixel."
        )
        st.markdown(
            f"Pixel (x={xc}, y={yc}) is **R {r}, G {g}, B {b}**; its grey luma is "
            f"0.299 x {r} + 0.587 x {g} + 0.114 x {b} = **{y}**."
        )
    st.plotly_chart(charts.pixel_grid_figure(patch, x0, y0, show), width="stretch")
    if size > 12 and show == "rgb":
        st.caption("Three values per cell fit up to a 12 x 12 window; pick one channel to see up to 20 x 20.")
    show_code(ops.zoom_window, ops.crop, to_gray)


# --- Bitmaps and resolution ----------------------------------------------------------------------
def resolution(rgb: np.ndarray) -> None:
    """Down- and upsampling with nearest, bilinear and bicubic."""
    h, wd = rgb.shape[:2]
    st.markdown(
        "A **bitmap** is exactly that array: height x width x channels numbers, nothing else. Its "
        "**resolution** is how many pixels it has. Shrinking keeps fewer samples, so detail finer "
        "than the new pixels is lost for good. Enlarging must invent the in-between values: "
        "**nearest** copies the closest pixel (blocks), **bilinear** blends the 2 x 2 nearest by "
        "distance (smooth, a little soft), **bicubic** fits a cubic through the 4 x 4 nearest "
        "(sharper, with a slight halo at edges)."
    )
    c1, c2 = st.columns(2)
    with c1:
        pct = w("resize")
    with c2:
        method = w("method")
    sw, sh = ops.scaled_size(rgb.shape, pct / 100)
    small = ops.resize(rgb, sw, sh, method)
    m = st.columns(4)
    m[0].metric("Original", f"{wd} x {h}", help=f"shape {rgb.shape}")
    m[1].metric("Original pixels", f"{ops.pixel_count(rgb.shape):,}")
    m[2].metric("Small copy", f"{sw} x {sh}", help=f"shape {small.shape}")
    share = ops.pixel_count(small.shape) / ops.pixel_count(rgb.shape)
    m[3].metric(
        "Small copy's pixels",
        f"{ops.pixel_count(small.shape):,}",
        f"{share:.2%} of the original",
        "off",
        delta_arrow="off",
    )
    st.markdown(f"**The small copy at its true size** ({method}):")
    charts.show(small, exact=True)
    st.markdown(f"**Blown back up to {wd} x {h}** ({ops.pixel_count(rgb.shape):,} pixels again) three ways:")
    cols = st.columns(3)
    for col, up in zip(cols, ops.METHODS):
        big = ops.resize(small, wd, h, up)
        with col:
            charts.show(big, f"{up}: PSNR {fmt_db(quality.psnr(rgb, big))} against the original", exact=True)
    st.caption(
        "Nearest-neighbour shrinking skips pixels, so fine stripes can turn into false patterns "
        "(aliasing; try the checkerboard or circles at 12-30%). Bilinear and bicubic shrinking first "
        "average the pixels each new one covers. No enlargement brings the lost detail back."
    )
    show_code(ops.resize, ops.scaled_size, ops.pixel_count)


# --- Bit depth -----------------------------------------------------------------------------------
def bit_depth(rgb: np.ndarray) -> None:
    """1-bit, 8-bit grey, 24-bit colour and k-bit quantisation; the channels apart."""
    h, wd = rgb.shape[:2]
    st.markdown(
        "**Bit depth** is how many bits store each value. k bits can hold **2^k** different values: "
        "1 bit gives black or white, 8 bits 256 greys, and 8 bits for each of R, G, B make "
        "**24-bit colour**: 256^3 = 16,777,216 colours. Fewer bits mean a smaller file and "
        "visible bands where smooth shades used to be. **Dithering** hides the loss by scattering "
        "each pixel's rounding error onto its neighbours, so the average tone survives."
    )
    t = w("threshold")
    gray = to_gray(rgb)
    cols = st.columns(4)
    shown = [
        (ops.threshold(gray, t), f"1-bit, threshold {t}", 1, 1),
        (ops.dither(gray), "1-bit, Floyd-Steinberg dithered", 1, 1),
        (gray, "8-bit grey (256 levels)", 1, 8),
        (rgb, "24-bit colour (16.7 million colours)", 3, 8),
    ]
    for col, (img, label, ch, bits) in zip(cols, shown):
        with col:
            charts.show(img, exact=bits == 1)
            st.caption(
                f"**{label}**: {wd} x {h} x {ch * bits} bit = {fmt_bytes(ops.bytes_needed(wd, h, ch, bits))}"
            )
    st.markdown("**k bits per channel**")
    k = w("bits")
    q, qg = ops.quantize(rgb, k), ops.quantize(gray, k)
    m = st.columns(4)
    m[0].metric("Levels per channel", f"2^{k} = {ops.levels(k)}")
    m[1].metric("Colours possible", f"{ops.levels(k) ** 3:,}", help=f"(2^{k})^3 = 2^{3 * k}")
    m[2].metric(f"Bytes, colour at {3 * k} bit", fmt_bytes(ops.bytes_needed(wd, h, 3, k)))
    m[3].metric(f"Bytes, grey at {k} bit", fmt_bytes(ops.bytes_needed(wd, h, 1, k)))
    left, right = st.columns(2)
    with left:
        charts.show(q, f"{k} bits per channel: {len(np.unique(q[..., 0]))} red values used", exact=True)
    with right:
        charts.show(qg, f"{k}-bit grey: {len(np.unique(qg))} grey values used", exact=True)
    st.markdown(
        "**The three channels apart**: each is an 8-bit grey image of how much of that light there is."
    )
    cols = st.columns(3)
    for i, (col, name) in enumerate(zip(cols, ("red", "green", "blue"))):
        with col:
            charts.show(ops.tint(rgb[..., i], i), f"{name}: mean {rgb[..., i].mean():.1f}")
    show_code(ops.quantize, ops.levels, ops.bytes_needed, ops.threshold, ops.dither)


# --- Geometric transforms ------------------------------------------------------------------------
def _matrix_latex(m: np.ndarray) -> str:
    rows = [" & ".join(f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) > 5e-4 else "0" for v in r) for r in m]
    return (
        r"\begin{pmatrix}x'\\y'\\1\end{pmatrix} = \begin{pmatrix}"
        + r"\\".join(rows)
        + (r"\end{pmatrix}\begin{pmatrix}x\\y\\1\end{pmatrix}")
    )


def geometry(rgb: np.ndarray) -> None:
    """Rotate, scale, shear and translate as one affine matrix; flips."""
    h, wd = rgb.shape[:2]
    st.markdown(
        "Rotation, scaling, shear and translation are all **affine** maps: each pixel position "
        "(x, y) moves to x' = a x + b y + c, y' = d x + e y + f, one 3 x 3 matrix for the lot. "
        "To draw the result, each output pixel is traced **back** through the inverse matrix to "
        "the source and read there by interpolation; corners that come from outside are white."
    )
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        angle = w("angle")
        flip = w("flip")
    with c2:
        scale = slider("scale", 0.05)
        interp = w("interp")
    with c3:
        shear = slider("shear", 0.05)
    with c4:
        tx, ty = w("tx"), w("ty")
    matrix = ops.affine_matrix(wd, h, angle, scale, shear, tx / 100 * wd, ty / 100 * h)
    out = ops.warp(ops.flip(rgb, flip), matrix, interp)
    left, right = st.columns(2)
    with left:
        charts.show(rgb, f"original, {wd} x {h}")
    with right:
        charts.show(out, f"flip {flip}, then the matrix below ({interp})")
    st.latex(_matrix_latex(matrix))
    st.caption(
        "Coordinates in pixels, x to the right and y down, the matrix built about the image centre: "
        "M = T(centre + move) R(angle) Shear S(scale) T(-centre). A flip is the matrix diag(-1, 1) "
        "(or diag(1, -1)) and just reverses the array's columns (or rows)."
    )
    show_code(ops.affine_matrix, ops.warp, ops.flip)
