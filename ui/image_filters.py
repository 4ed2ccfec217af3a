"""The Image basics page's filtering sections: enhancement, restoration and compression.

Each draws its lesson, its controls, the numbers and the pictures, calling core for every value.
Work that a slider does not change is cached per image (see ui.image_sections.cached).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import image_quality as quality
from core import images as ops
from core.image_lessons import window_size
from core.imageio import to_gray
from ui import image_charts as charts
from ui.code import show_code
from ui.image_sections import cached, fmt_bytes, fmt_db, quality_curve, slider, w


def zoomed(img: np.ndarray, label: str, side: int = 160, exact: bool = False) -> None:
    """The centre side x side pixels drawn 2x larger (nearest), so single pixels can be seen."""
    x0, y0, ww, hh = ops.zoom_window(img.shape, 0.5, 0.5, side)
    big = ops.resize(ops.crop(img, x0, y0, ww, hh), 2 * ww, 2 * hh, "nearest")
    charts.show(big, f"centre, 2x: {label}", exact=exact)


# --- Enhancement ---------------------------------------------------------------------------------
def enhance(rgb: np.ndarray, key: str) -> None:
    """Brightness, contrast, gamma; histogram equalisation; sharpening."""
    st.markdown(
        "**Point operations** change each value on its own through one curve: **brightness** adds, "
        "**contrast** stretches away from mid-grey, **gamma** bends the curve (out = in^gamma on a "
        "0-1 scale, so black and white stay put). Values pushed past 0 or 255 are clipped, and "
        "that detail is gone."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        b = w("brightness")
    with c2:
        c = slider("contrast", 0.05)
    with c3:
        g = slider("gamma", 0.05)
    lut = ops.tone_curve(b, c, g)
    out = lut[rgb]
    left, mid, right = st.columns([2, 2, 2])
    with left:
        charts.show(rgb, "original")
    with mid:
        charts.show(out, f"brightness {b:+d}, contrast {c:g}, gamma {g:g}")
    with right:
        st.plotly_chart(charts.tone_curve_figure(lut), width="stretch")
    clipped = float(np.mean((out == 0) | (out == 255)))
    clipped_before = float(np.mean((rgb == 0) | (rgb == 255)))
    before = ops.histogram(to_gray(rgb))  # shared by both histogram charts below
    hist = {"before": before, "after": ops.histogram(to_gray(out))}
    st.plotly_chart(charts.histogram_figure(hist), width="stretch")
    st.caption(
        f"Histograms of the grey luma. {clipped:.1%} of the R, G, B values sit at 0 or 255 "
        f"({clipped_before:.1%} before): those have lost their detail."
    )
    show_code(ops.tone_curve, ops.adjust, ops.histogram)

    st.markdown(
        "**Histogram equalisation** remaps the values so each range of greys gets a fair share of "
        "the pixels: the new value is 255 x the share of pixels at or below the old one (the "
        "cumulative histogram). Dim, low-contrast pictures open up; the cumulative share (dotted) "
        "becomes nearly a straight line. In colour only the brightness (luma) is equalised, so "
        "the hues stay."
    )
    eq = cached("equalize", key, (), rgb)
    left, right = st.columns(2)
    with left:
        charts.show(rgb, "original")
    with right:
        charts.show(eq, "equalised")
    hist = {"before": before, "after": ops.histogram(to_gray(eq))}
    st.plotly_chart(charts.histogram_figure(hist, cdf=True), width="stretch")
    show_code(ops.equalize_lut, ops.equalize)

    st.markdown(
        "**Sharpening** adds back edge detail. The **unsharp mask** blurs a copy, takes "
        "original - blurred (what the blur removed: the edges), and adds amount x that. The "
        "**3 x 3 kernel** does the same in one step: 1 + 4 amount times the pixel minus amount "
        "times each of its four neighbours."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        how = w("sharpen")
    with c2:
        amount = slider("amount", 0.1)
    with c3:
        radius = slider("radius", 0.1)
    args = (amount, radius) if how == "unsharp" else (amount,)
    sharp = cached(how, key, args, rgb)
    left, right = st.columns(2)
    with left:
        zoomed(rgb, "original")
    with right:
        zoomed(
            sharp,
            f"unsharp mask, amount {amount:g}, sigma {radius:g}"
            if how == "unsharp"
            else f"kernel, {amount:g}",
        )
    show_code(ops.unsharp_mask, ops.kernel_sharpen, ops.separable)


# --- Restoration ---------------------------------------------------------------------------------
def restore(rgb: np.ndarray, key: str) -> None:
    """Add seeded noise, remove it with a filter, and score both against the original."""
    st.markdown(
        "Real pictures arrive **noisy**: sensor grain adds a small random amount to every value "
        "(**Gaussian** noise), a faulty channel flips some pixels to pure black or white "
        "(**salt and pepper**). A **denoising filter** replaces each pixel by a summary of its "
        "neighbourhood: the **mean** (blurs noise and edges alike), the **median** (ignores "
        "outliers, so it wipes out salt and pepper and keeps edges) or a **Gaussian**-weighted "
        "mean (nearer neighbours count more). We score each against the original with **PSNR** "
        "= 10 log10(255^2 / mean squared error), in dB, higher is closer, and **SSIM**, which "
        "compares local brightness, contrast and structure (1 = identical)."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        kind = w("noise")
        strength = w("sigma") if kind == "gaussian" else slider("density", 0.01)
    with c2:
        method = w("filter")
        if method == "mean":
            filter_args: tuple = (method, window_size(w("window")))
        elif method == "gaussian":
            filter_args = (method, 3, slider("blur", 0.1))
        else:
            filter_args = (method,)
            st.caption("The median uses the 3 x 3 neighbourhood (9 values; the 5th largest wins).")
    with c3:
        seed = w("seed")
    noise_args = (kind, strength, seed)
    dirty = cached("noisy", key, noise_args, rgb)
    clean = cached("restored", f"{key}|{noise_args}", filter_args, (rgb, dirty.image))
    left, mid, right = st.columns(3)
    with left:
        charts.show(rgb, "original")
    with mid:
        what = f"sigma {strength}" if kind == "gaussian" else f"{strength:.0%} of pixels"
        label = (
            f"{kind.replace('_', ' and ')} noise, {what}: PSNR {fmt_db(dirty.psnr)}, SSIM {dirty.ssim:.3f}"
        )
        charts.show(dirty.image, label)
    with right:
        charts.show(
            clean.image, f"after the {method} filter: PSNR {fmt_db(clean.psnr)}, SSIM {clean.ssim:.3f}"
        )
    cols = st.columns(3)
    for col, img, label in zip(cols, (rgb, dirty.image, clean.image), ("original", "noisy", "filtered")):
        with col:
            zoomed(img, label, side=120)
    m = st.columns(4)
    m[0].metric("PSNR, noisy", fmt_db(dirty.psnr))
    gain_db = None if np.isinf(dirty.psnr) or np.isinf(clean.psnr) else f"{clean.psnr - dirty.psnr:+.2f} dB"
    m[1].metric("PSNR, filtered", fmt_db(clean.psnr), gain_db)
    m[2].metric("SSIM, noisy", f"{dirty.ssim:.4f}")
    m[3].metric("SSIM, filtered", f"{clean.ssim:.4f}", f"{clean.ssim - dirty.ssim:+.4f}")
    show_code(
        quality.gaussian_noise,
        quality.salt_pepper,
        quality.median_filter,
        quality.mean_filter,
        quality.psnr,
        quality.ssim,
    )


# --- Compression ---------------------------------------------------------------------------------
def compress(rgb: np.ndarray, key: str) -> None:
    """JPEG at a chosen quality against lossless PNG."""
    h, wd = rgb.shape[:2]
    st.markdown(
        "Stored raw, every pixel costs 3 bytes. **PNG** packs the same numbers losslessly (like a "
        "zip file, after predicting each pixel from its neighbours): decoding gives back every "
        "value exactly. **JPEG** is lossy: it splits the picture into 8 x 8 blocks, turns each into "
        "frequencies and rounds away the fine ones we barely see, more of them the lower the "
        "**quality**. The difference image shows what was thrown away, multiplied so it is visible."
    )
    c1, c2 = st.columns(2)
    with c1:
        q = w("quality")
    with c2:
        gain = w("gain")
    png, lossless = cached("png", key, (), rgb)
    result = quality.compress(rgb, q, png_size=png)
    m = st.columns(5)
    m[0].metric("Raw 24-bit", fmt_bytes(result.raw_bytes), help=f"{wd} x {h} x 3 bytes")
    m[1].metric(
        "PNG (lossless)",
        fmt_bytes(result.png_bytes),
        f"{result.png_ratio:.1f}x smaller",
        "off",
        delta_arrow="off",
    )
    m[2].metric(
        f"JPEG at quality {q}",
        fmt_bytes(result.jpeg_bytes),
        f"{result.jpeg_ratio:.1f}x smaller",
        "off",
        delta_arrow="off",
    )
    m[3].metric("JPEG PSNR", fmt_db(result.jpeg_psnr))
    m[4].metric("JPEG SSIM", f"{result.jpeg_ssim:.4f}")
    st.caption(
        f"PNG decodes to the same {rgb.size:,} values: "
        + ("checked, PSNR = ∞." if lossless else "NOT the same here (unexpected).")
    )
    left, right = st.columns(2)
    with left:
        charts.show(result.decoded, f"JPEG at quality {q}, as decoded", exact=True)
    with right:
        diff = quality.difference(rgb, result.decoded, gain)
        charts.show(diff, f"|original - JPEG| x {gain} (largest error {result.max_error} of 255)", exact=True)
    left, right = st.columns(2)
    with left:
        zoomed(rgb, "original", exact=True)
    with right:
        zoomed(result.decoded, f"JPEG at quality {q}: look for 8 x 8 blocks and ringing at edges", exact=True)
    qs, kb, db = quality_curve(key, rgb)
    st.plotly_chart(charts.quality_figure(qs, kb, db, result.png_bytes / 1000, q), width="stretch")
    show_code(quality.compress, quality.encode, quality.difference)
