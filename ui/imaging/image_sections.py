"""The Image basics page's first sections: pixels, resolution, bit depth, geometric transforms.

Each draws its lesson, its controls, the numbers and the pictures for one image, calling core for
every value (as ui/views.py does for the MLP lab). Every number in a sentence is computed.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.base.i18n import _
from core.imaging import image_quality as quality
from core.imaging import images as ops
from core.imaging.image_lessons import VGA
from core.imaging.imageio import to_gray
from ui.common.code import show_code
from ui.imaging import image_charts as charts
from ui.imaging.image_common import fmt_bytes, fmt_db, slider, w


# --- Pixels --------------------------------------------------------------------------------------
def pixels(rgb: np.ndarray) -> None:
    """A window of the image, zoomed down to its pixel values."""
    st.markdown(
        _(
            "A digital image is a grid of **pixels**. A colour pixel holds three numbers, its **red, "
            "green and blue** light, each a whole number from 0 (none) to 255 (full): (0, 0, 0) is "
            "black, (255, 255, 255) white, (255, 0, 0) pure red. Move the window and shrink it until "
            "the numbers appear on the cells. Row y counts down from the top, column x from the left."
        )
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
            _(
                "The image is an array of shape **{shape}**: {h} rows x {w} columns x 3 channels, "
                "{pixels} pixels, {numbers} numbers."
            ).format(
                shape=rgb.shape, h=h, w=wd, pixels=f"{ops.pixel_count(rgb.shape):,}", numbers=f"{rgb.size:,}"
            )
        )
        st.markdown(
            _(
                "The red box holds columns {x0}-{x1} and rows {y0}-{y1}: {ww} x {hh} = {n} pixels, drawn "
                "below one square per pixel."
            ).format(x0=x0, x1=x0 + ww - 1, y0=y0, y1=y0 + hh - 1, ww=ww, hh=hh, n=ww * hh)
        )
        st.markdown(
            _(
                "Pixel (x={x}, y={y}) is **R {r}, G {g}, B {b}**; its grey luma is "
                "0.299 x {r} + 0.587 x {g} + 0.114 x {b} = **{luma}**."
            ).format(x=xc, y=yc, r=r, g=g, b=b, luma=y)
        )
    st.plotly_chart(charts.pixel_grid_figure(patch, x0, y0, show), width="stretch")
    if size > 12 and show == "rgb":
        st.caption(
            _("Three values per cell fit up to a 12 x 12 window; pick one channel to see up to 20 x 20.")
        )
    show_code(ops.zoom_window, ops.crop, to_gray)


# --- Bitmaps and resolution ----------------------------------------------------------------------
def resolution(rgb: np.ndarray) -> None:
    """Resolution in numbers (640 x 480 and this image), then down- and upsampling."""
    h, wd = rgb.shape[:2]
    vw, vh = VGA
    st.markdown(
        _(
            "A **bitmap** (raster image) is exactly that array: height x width x channels numbers. "
            "Its **resolution** is how many pixels it has, written width x height. The familiar "
            "640 x 480 has {vw} × {vh} = **{vn} pixels**; in 24-bit colour (3 bytes a pixel) that is "
            "{vn} × 3 = **{vb} bytes** uncompressed. This picture: {w} × {h} = {n} pixels, {b} bytes."
        ).format(
            vw=vw,
            vh=vh,
            vn=f"{ops.pixel_count((vh, vw)):,}",
            vb=f"{ops.bytes_needed(vw, vh, 3, 8):,}",
            w=wd,
            h=h,
            n=f"{ops.pixel_count(rgb.shape):,}",
            b=f"{ops.bytes_needed(wd, h, 3, 8):,}",
        )
    )
    st.markdown(
        _(
            "Shrinking keeps fewer samples, so detail finer than the new pixels is lost for good. "
            "Enlarging must invent the in-between values: **nearest** copies the closest pixel "
            "(blocks), **bilinear** blends the 2 x 2 nearest by distance (smooth, a little soft), "
            "**bicubic** weighs the 4 x 4 nearest with a cubic curve (sharper; it can overshoot at "
            "an edge, a faint halo)."
        )
    )
    c1, c2 = st.columns(2)
    with c1:
        pct = w("resize")
    with c2:
        method = w("method")
    sw, sh = ops.scaled_size(rgb.shape, pct / 100)
    small = ops.resize(rgb, sw, sh, method)
    m = st.columns(4)
    m[0].metric(_("Original"), f"{wd} x {h}", help=_("shape {shape}").format(shape=rgb.shape))
    m[1].metric(_("Original pixels"), f"{ops.pixel_count(rgb.shape):,}")
    m[2].metric(_("Small copy"), f"{sw} x {sh}", help=_("shape {shape}").format(shape=small.shape))
    share = ops.pixel_count(small.shape) / ops.pixel_count(rgb.shape)
    m[3].metric(
        _("Small copy's pixels"),
        f"{ops.pixel_count(small.shape):,}",
        _("{share} of the original").format(share=f"{share:.2%}"),
        "off",
        delta_arrow="off",
    )
    st.markdown(_("**The small copy at its true size** ({method}):").format(method=method))
    charts.show(small)
    st.markdown(
        _("**Blown back up to {w} x {h}** ({n} pixels again) three ways:").format(
            w=wd, h=h, n=f"{ops.pixel_count(rgb.shape):,}"
        )
    )
    for col, up in zip(st.columns(3), ops.METHODS):
        big = ops.resize(small, wd, h, up)
        with col:
            charts.show(
                big,
                _("{method}: PSNR {psnr} against the original").format(
                    method=up, psnr=fmt_db(quality.psnr(rgb, big))
                ),
            )
    st.caption(
        _(
            "Nearest-neighbour shrinking picks one pixel per new pixel, so fine stripes can turn into "
            "false patterns (aliasing; try the checkerboard or circles at 12-30%). Bilinear and bicubic "
            "shrinking widen their filter by the shrink factor, so each new pixel is a weighted sum "
            "(weights adding up to 1) of all the old pixels it covers and their neighbours: a low-pass "
            "filter before sampling. No enlargement brings the lost detail back."
        )
    )
    show_code(ops.resize, ops.scaled_size, ops.pixel_count, ops.bytes_needed)


# --- Bit depth -----------------------------------------------------------------------------------
def bit_depth(rgb: np.ndarray) -> None:
    """1-bit, 8-bit grey, 24-bit colour and k-bit quantisation; the channels apart."""
    h, wd = rgb.shape[:2]
    colours = ops.levels(8) ** 3
    st.markdown(
        _(
            "**Bit depth** is how many bits store each value. k bits can hold **2^k** different "
            "values: 1 bit gives black or white, 8 bits 256 greys, and 8 bits for each of R, G, B make "
            "**24-bit colour**: 256³ = {colours} colours. Fewer bits mean fewer bytes and visible "
            "bands where smooth shades used to be. **Dithering** hides the loss by passing each "
            "pixel's rounding error on to its neighbours, so the average tone survives."
        ).format(colours=f"{colours:,}")
    )
    t = w("threshold")
    gray = to_gray(rgb)
    cut, dithered = ops.threshold(gray, t), ops.dither(gray)
    shown = [
        (cut, _("1-bit, threshold {t}").format(t=t), 1, 1),
        (dithered, _("1-bit, Floyd-Steinberg dithered"), 1, 1),
        (gray, _("8-bit grey (256 levels)"), 1, 8),
        (rgb, _("24-bit colour ({n} colours)").format(n=f"{colours:,}"), 3, 8),
    ]
    for col, (img, label, ch, bits) in zip(st.columns(4), shown):
        with col:
            charts.show(img)
            size = fmt_bytes(ops.bytes_needed(wd, h, ch, bits))
            st.caption(
                _("**{label}**: {w} x {h} x {bits} bit = {size}").format(
                    label=label, w=wd, h=h, bits=ch * bits, size=size
                )
            )
    st.caption(
        _("Mean grey level: 8-bit {grey}, dithered {dithered}, threshold {cut}.").format(
            grey=f"{gray.mean():.1f}", dithered=f"{dithered.mean():.1f}", cut=f"{cut.mean():.1f}"
        )
    )
    st.markdown(_("**k bits per channel**"))
    k = w("bits")
    q, qg = ops.quantize(rgb, k), ops.quantize(gray, k)
    m = st.columns(4)
    m[0].metric(_("Levels per channel"), f"2^{k} = {ops.levels(k)}")
    m[1].metric(_("Colours possible"), f"{ops.levels(k) ** 3:,}", help=f"(2^{k})^3 = 2^{3 * k}")
    m[2].metric(_("Bytes, colour at {bits} bit").format(bits=3 * k), fmt_bytes(ops.bytes_needed(wd, h, 3, k)))
    m[3].metric(_("Bytes, grey at {bits} bit").format(bits=k), fmt_bytes(ops.bytes_needed(wd, h, 1, k)))
    left, right = st.columns(2)
    with left:
        used = len(np.unique(q[..., 0]))
        charts.show(q, _("{k} bits per channel: {n} red values used").format(k=k, n=used))
    with right:
        charts.show(qg, _("{k}-bit grey: {n} grey values used").format(k=k, n=len(np.unique(qg))))
    st.markdown(
        _("**The three channels apart**: each is an 8-bit grey image of how much of that light there is.")
    )
    for i, (col, name) in enumerate(zip(st.columns(3), (_("red"), _("green"), _("blue")))):
        with col:
            plane = rgb[..., i]
            charts.show(
                ops.tint(plane, i), _("{name}: mean {mean}").format(name=name, mean=f"{plane.mean():.1f}")
            )
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
        _(
            "Rotation, scaling, shear and translation are all **affine** maps: each pixel position "
            "(x, y) moves to x' = a x + b y + c, y' = d x + e y + f, one 3 x 3 matrix for the lot. "
            "To draw the result, each output pixel is traced **back** through the inverse matrix to "
            "the source and read there by interpolation; corners that come from outside are white."
        )
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
        charts.show(rgb, _("original, {w} x {h}").format(w=wd, h=h))
    with right:
        charts.show(out, _("flip {flip}, then the matrix below ({interp})").format(flip=flip, interp=interp))
    st.latex(_matrix_latex(matrix))
    st.caption(
        _(
            "Coordinates in pixels, x to the right and y down, the matrix built about the image centre: "
            "M = T(centre + move) R(angle) Shear S(scale) T(-centre). A horizontal flip is x' = {w} − x "
            "(the matrix diag(-1, 1) about the centre) and just reverses the array's columns; a "
            "vertical flip, y' = {h} − y, reverses its rows."
        ).format(w=wd, h=h)
    )
    show_code(ops.affine_matrix, ops.warp, ops.flip)
