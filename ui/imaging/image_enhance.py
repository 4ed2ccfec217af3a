"""The Image basics page's Enhancement section: point operations, histogram equalisation,
sharpening, and enhancement's classic case, a low-resolution picture made larger and sharper."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.base.i18n import _
from core.imaging import images as ops
from core.imaging import upscale
from core.imaging.imageio import to_gray
from ui.common.code import show_code
from ui.imaging import image_charts as charts
from ui.imaging.image_common import cached, fmt_db, slider, w, zoomed


def enhance(rgb: np.ndarray, key: str) -> None:
    """Brightness, contrast, gamma; histogram equalisation; sharpening; larger and sharper."""
    st.markdown(
        _(
            "**Enhancement** makes a low-quality image better to look at: too dark, too flat, too "
            "soft, too small. **Point operations** change each value on its own through one curve: "
            "**brightness** adds, **contrast** stretches away from mid-grey, **gamma** bends the "
            "curve (out = in^gamma on a 0-1 scale, so black and white stay put). Values pushed past "
            "0 or 255 are clipped, and that detail is gone."
        )
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
        charts.show(rgb, _("original"))
    with mid:
        charts.show(
            out, _("brightness {b}, contrast {c}, gamma {g}").format(b=f"{b:+d}", c=f"{c:g}", g=f"{g:g}")
        )
    with right:
        st.plotly_chart(charts.tone_curve_figure(lut), width="stretch")
    clipped = float(np.mean((out == 0) | (out == 255)))
    clipped_before = float(np.mean((rgb == 0) | (rgb == 255)))
    gray = to_gray(rgb)
    before = ops.histogram(gray)  # shared by both histogram charts below
    st.plotly_chart(
        charts.histogram_figure({_("before"): before, _("after"): ops.histogram(to_gray(out))}),
        width="stretch",
    )
    st.caption(
        _(
            "Histograms of the grey luma. {now} of the R, G, B values sit at 0 or 255 ({before} before): "
            "those have lost their detail."
        ).format(now=f"{clipped:.1%}", before=f"{clipped_before:.1%}")
    )
    show_code(ops.tone_curve, ops.adjust, ops.histogram)
    _equalise(rgb, key, gray, before)
    _sharpen(rgb, key)
    _larger_and_sharper(rgb, key)


def _equalise(rgb: np.ndarray, key: str, gray: np.ndarray, before: np.ndarray) -> None:
    st.markdown(
        _(
            "**Histogram equalisation** spreads the greys so each range gets a fair share of the "
            "pixels. With N(≤ v) the pixels at or below grey v (the cumulative histogram), N all of "
            "them and v₀ the darkest grey present, v becomes round(255 × (N(≤ v) − N(≤ v₀)) / "
            "(N − N(≤ v₀))): the darkest grey goes to 0, the brightest to 255, and the cumulative "
            "share after (dotted) climbs the diagonal in steps. In colour only the luma Y is "
            "equalised and the chroma Cb, Cr kept, so hues stay, except where the way back to RGB "
            "clips a channel at 0 or 255."
        )
    )
    eq = cached("equalize", key, (), rgb)
    eq_gray = to_gray(eq)
    left, right = st.columns(2)
    with left:
        charts.show(rgb, _("original"))
    with right:
        charts.show(eq, _("equalised"))
    hist = {_("before"): before, _("after"): ops.histogram(eq_gray)}
    st.plotly_chart(charts.histogram_figure(hist, cdf=True), width="stretch")
    st.caption(
        _(
            "Largest gap between the cumulative share and the diagonal, at the greys present: "
            "{before} before, {after} after."
        ).format(before=f"{ops.cdf_gap(gray):.1%}", after=f"{ops.cdf_gap(eq_gray):.1%}")
    )
    show_code(ops.equalize_lut, ops.equalize, ops.cdf_gap)


def _sharpen(rgb: np.ndarray, key: str) -> None:
    st.markdown(
        _(
            "**Sharpening** makes edges look crisper by amplifying the fine detail already there; it "
            "cannot bring back detail that was lost. The **unsharp mask** blurs a copy (Gaussian, "
            "radius sigma), takes original − blurred (the fine detail: what the blur removed) and "
            "adds amount × that. The **3 x 3 kernel** is the same recipe with the blur replaced by "
            "the mean of the four neighbours: x + 4 amount (x − their mean), i.e. (1 + 4 amount) "
            "times the pixel minus amount times each neighbour."
        )
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
        zoomed(rgb, _("original"))
    with right:
        label = (
            _("unsharp mask, amount {a}, sigma {s}").format(a=f"{amount:g}", s=f"{radius:g}")
            if how == "unsharp"
            else _("kernel, amount {a}").format(a=f"{amount:g}")
        )
        zoomed(sharp, label)
    show_code(ops.unsharp_mask, ops.kernel_sharpen, ops.separable)


def _larger_and_sharper(rgb: np.ndarray, key: str) -> None:
    st.subheader(_("A low-resolution picture made larger and sharper"))
    st.markdown(
        _(
            "Enhancement's classic case: a small picture shown large. Here this picture is first "
            "shrunk (bicubic) to stand for a low-resolution one, then enlarged back to its size by "
            "bicubic interpolation and sharpened with the unsharp mask. Because the original is kept, "
            "each version can be measured against it: **PSNR** (closeness) and **sharpness**, the mean "
            "gradient: the average brightness step between neighbouring pixels."
        )
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        factor = w("factor")
    with c2:
        amount = slider("up_amount", 0.1)
    with c3:
        sigma = slider("up_sigma", 0.1)
    done: upscale.Enlarged = cached("enlarge", key, (factor, amount, sigma), rgb)
    (sh, sw), (h, wd) = done.small.shape[:2], rgb.shape[:2]
    before, after = st.columns([1, 2], gap="medium")
    with before:
        charts.show(done.small, _("before: {w} x {h}, at its true size").format(w=sw, h=sh))
    with after:
        charts.show(done.sharpened.image, _("after: {w} x {h}, bicubic + sharpened").format(w=wd, h=h))
    st.markdown(_("The centres at 2x, each version beside the original:"))
    versions = {
        _("pixels as blocks (nearest)"): done.blocks,
        _("bicubic"): done.bicubic,
        _("bicubic + sharpened"): done.sharpened,
        _("original"): done.original,
    }
    for col, (name, v) in zip(st.columns(4), versions.items()):
        with col:
            zoomed(v.image, name, side=120)
    names = list(versions)
    psnrs = [v.psnr for v in versions.values()]
    st.plotly_chart(
        charts.versions_figure(names, psnrs, [v.sharpness for v in versions.values()]), width="stretch"
    )
    b, s, o = done.bicubic, done.sharpened, done.original
    st.caption(
        _(
            "Sharpening raised the mean gradient from {b} to {s} (the original has {o}) and moved "
            "PSNR from {pb} to {ps}, SSIM from {sb} to {ss}. Blocks score high on sharpness too: their "
            "steps are edges the picture never had, so read the numbers with the pictures."
        ).format(
            b=f"{b.sharpness:.2f}",
            s=f"{s.sharpness:.2f}",
            o=f"{o.sharpness:.2f}",
            pb=fmt_db(b.psnr),
            ps=fmt_db(s.psnr),
            sb=f"{b.ssim:.3f}",
            ss=f"{s.ssim:.3f}",
        )
    )
    show_code(upscale.enlarge, upscale.mean_gradient)
