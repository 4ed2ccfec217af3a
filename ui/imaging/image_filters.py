"""The Image basics page's Restoration and Compression sections.

Each draws its lesson, its controls, the numbers and the pictures, calling core for every value.
Work that a slider does not change is cached per image (see ui.imaging.image_common.cached).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.base.i18n import N_, _
from core.imaging import image_quality as quality
from core.imaging.image_lessons import window_size
from ui.common.code import show_code
from ui.imaging import image_charts as charts
from ui.imaging.image_common import cached, fmt_bytes, fmt_db, quality_curve, slider, w, zoomed

CHROMA_SIZE = {  # subsampling -> how the colour planes are stored (translate with _())
    "4:2:0": N_("at half the width and half the height"),
    "4:2:2": N_("at half the width and the full height"),
    "4:4:4": N_("at full size"),
}


# --- Restoration ---------------------------------------------------------------------------------
def restore(rgb: np.ndarray, key: str) -> None:
    """Add seeded noise, remove it with a filter, and score both against the original."""
    st.markdown(
        _(
            "**Restoration** undoes a known damage. Real pictures arrive **noisy**: sensor grain adds "
            "a small random amount to every value (**Gaussian** noise); dead or stuck sensor pixels "
            "and transmission errors turn some pixels pure black or white (**salt and pepper**). A "
            "**denoising filter** replaces each pixel by a summary of its neighbourhood: the **mean** "
            "(blurs noise and edges alike), the **median** (the middle of the 9 sorted values: a "
            "pixel stays black or white only if 5 of its 9 are, so isolated ones vanish, and a "
            "straight edge stays where it was) or a **Gaussian**-weighted mean (nearer neighbours "
            "count more). Each is scored against the original with **PSNR** = 10 log10(255² / mean "
            "squared error), in dB, higher is closer, and **SSIM**, which compares local brightness, "
            "contrast and structure of the grey luma (1 = identical)."
        )
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
            st.caption(_("The median uses the 3 x 3 neighbourhood (9 values; the 5th largest wins)."))
    with c3:
        seed = w("seed")
    noise_args = (kind, strength, seed)
    dirty = cached("noisy", key, noise_args, rgb)
    clean = cached("restored", f"{key}|{noise_args}", filter_args, (rgb, dirty.image))
    what = (
        _("Gaussian noise, sigma {s}").format(s=strength)
        if kind == "gaussian"
        else _("salt and pepper, {share} of pixels").format(share=f"{strength:.0%}")
    )
    left, mid, right = st.columns(3)
    with left:
        charts.show(rgb, _("original"))
    with mid:
        charts.show(
            dirty.image,
            _("{what}: PSNR {psnr}, SSIM {ssim}").format(
                what=what, psnr=fmt_db(dirty.psnr), ssim=f"{dirty.ssim:.3f}"
            ),
        )
    with right:
        charts.show(
            clean.image,
            _("after the {method} filter: PSNR {psnr}, SSIM {ssim}").format(
                method=method, psnr=fmt_db(clean.psnr), ssim=f"{clean.ssim:.3f}"
            ),
        )
    names = (_("original"), _("noisy"), _("filtered"))
    for col, img, label in zip(st.columns(3), (rgb, dirty.image, clean.image), names):
        with col:
            zoomed(img, label, side=120)
    m = st.columns(4)
    m[0].metric(_("PSNR, noisy"), fmt_db(dirty.psnr))
    gain_db = None if np.isinf(dirty.psnr) or np.isinf(clean.psnr) else f"{clean.psnr - dirty.psnr:+.2f} dB"
    m[1].metric(_("PSNR, filtered"), fmt_db(clean.psnr), gain_db)
    m[2].metric(_("SSIM, noisy"), f"{dirty.ssim:.4f}")
    m[3].metric(_("SSIM, filtered"), f"{clean.ssim:.4f}", f"{clean.ssim - dirty.ssim:+.4f}")
    if kind == "salt_pepper":
        st.caption(
            _(
                "Pixels pure black or white that were not: {noisy} of all pixels when noisy, "
                "{clean} after the filter."
            ).format(
                noisy=f"{quality.stuck_share(rgb, dirty.image):.3%}",
                clean=f"{quality.stuck_share(rgb, clean.image):.3%}",
            )
        )
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
    c1, c2 = st.columns(2)
    with c1:
        q = w("quality")
    with c2:
        gain = w("gain")
    sampling, ycbcr = quality.jpeg_layout(q)
    size = CHROMA_SIZE.get(sampling, sampling)
    colour = (
        _(
            "Pillow's encoder, used here, first converts R, G, B to Y Cb Cr: brightness Y and two "
            "colour differences. At quality {q} it stores Cb and Cr {size} ({sampling} subsampling, "
            "read back from a file it wrote), since eyes resolve colour less finely than brightness."
        ).format(q=q, size=_(size), sampling=sampling)
        if ycbcr
        else _("At quality {q} Pillow's encoder keeps the colour as R, G, B.").format(q=q)
    )
    st.markdown(
        _(
            "**Compression** stores the pixels in fewer bytes. Raw, every pixel costs 3 bytes. **PNG** "
            "is lossless: it predicts each row from its neighbours (PNG's filters: left, up, average, "
            "Paeth) and packs the prediction errors with DEFLATE, as a zip file does; decoding gives "
            "back every value. **JPEG** is lossy. {colour} Then each plane is cut into 8 x 8 blocks, "
            "each block becomes 64 frequencies (a discrete cosine transform), and each frequency is "
            "divided by a step from a quantisation table and rounded: finer frequencies get coarser "
            "steps, and a lower quality scales every step up. The difference image shows what was "
            "thrown away, multiplied so it is visible."
        ).format(colour=colour)
    )
    png, lossless = cached("png", key, (), rgb)
    result = quality.compress(rgb, q, png_size=png)
    m = st.columns(5)
    m[0].metric(_("Raw 24-bit"), fmt_bytes(result.raw_bytes), help=_("{w} x {h} x 3 bytes").format(w=wd, h=h))
    smaller = _("{x}x smaller")
    m[1].metric(
        _("PNG (lossless)"),
        fmt_bytes(result.png_bytes),
        smaller.format(x=f"{result.png_ratio:.1f}"),
        "off",
        delta_arrow="off",
    )
    m[2].metric(
        _("JPEG at quality {q}").format(q=q),
        fmt_bytes(result.jpeg_bytes),
        smaller.format(x=f"{result.jpeg_ratio:.1f}"),
        "off",
        delta_arrow="off",
    )
    m[3].metric(_("JPEG PSNR"), fmt_db(result.jpeg_psnr))
    m[4].metric(_("JPEG SSIM"), f"{result.jpeg_ssim:.4f}")
    st.caption(
        _("PNG decodes to the same {n} values: checked, PSNR = ∞.").format(n=f"{rgb.size:,}")
        if lossless
        else _("PNG decodes to the same {n} values: NOT the same here (unexpected).").format(
            n=f"{rgb.size:,}"
        )
    )
    left, right = st.columns(2)
    with left:
        charts.show(result.decoded, _("JPEG at quality {q}, as decoded (shown losslessly)").format(q=q))
    with right:
        diff = quality.difference(rgb, result.decoded, gain)
        charts.show(
            diff,
            _("|original - JPEG| x {gain} (largest error {worst} of 255)").format(
                gain=gain, worst=result.max_error
            ),
        )
    left, right = st.columns(2)
    with left:
        zoomed(rgb, _("original"))
    with right:
        block = 16 if sampling == "4:2:0" else 8
        zoomed(
            result.decoded,
            _("JPEG at quality {q}: look for 8 x 8 blocks ({c} x {c} in colour) and ringing at edges").format(
                q=q, c=block
            ),
        )
    qs, kb, db = quality_curve(key, rgb)
    st.plotly_chart(charts.quality_figure(qs, kb, db, result.png_bytes / 1000, q), width="stretch")
    show_code(quality.compress, quality.encode, quality.jpeg_layout, quality.difference)
