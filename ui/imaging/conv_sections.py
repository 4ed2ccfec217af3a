"""The Convolution page's sections below their lessons: controls, the real computation, charts.

The page says what each section teaches; these functions draw its controls, call core.imaging.convolution
for every number and draw the result (figures from ui.imaging.conv_charts)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.base.i18n import _
from core.imaging import conv_lessons as lessons
from core.imaging import convolution as cv
from core.imaging.conv_lessons import PICTURE, ConvView
from core.imaging.imageio import LoadedImage
from ui.common import state
from ui.common.code import show_code
from ui.common.controls import field_widget
from ui.common.plot import chart
from ui.imaging import conv_charts as charts
from ui.imaging.conv_state import PREFIX, cell_inputs, key
from ui.imaging.image_input import image_picker

fmt = charts.fmt  # numbers as the charts print them


def _fields(*names: str, disabled: tuple[str, ...] = ()) -> ConvView:
    """One column per field, then the view the widgets hold."""
    for col, name in zip(st.columns(len(names), gap="medium"), names):
        with col:
            field_widget(ConvView, PREFIX, name, disabled=name in disabled)
    return state.read_config(ConvView, PREFIX)


def input_image() -> tuple[LoadedImage, np.ndarray, np.ndarray]:
    """The picture (or a tiny pattern) to convolve: (the picture, its RGB at the working size,
    the grey float64 grid section 3 convolves)."""
    picture = image_picker(key("image"))
    c_src, c_side = st.columns([3, 2], gap="large")
    with c_src:
        source = st.selectbox(
            _("Convolve"), lessons.SOURCES, key=key("source"), format_func=lessons.source_label
        )
    with c_side:
        side = field_widget(ConvView, PREFIX, "side", disabled=source != PICTURE)
    rgb = lessons.working_rgb(picture.rgb, side)
    img = lessons.gray_of(rgb) if source == PICTURE else lessons.pattern(source)
    h, w = img.shape
    where = (
        _("{name}, {w}x{h} grey levels 0-255").format(name=picture.name, w=w, h=h)
        if source == PICTURE
        else _("{w}x{h}, every value printed (the picture above is used in section 5)").format(w=w, h=h)
    )
    st.caption(_("The input: {where}, {n} numbers.").format(where=where, n=f"{h * w:,}"))
    return picture, rgb, img


def feature_map(
    img: np.ndarray, kernel: np.ndarray
) -> tuple[ConvView, np.ndarray | None, cv.CellWalk | None]:
    """Stride, padding, dilation -> the output size formula, the map, the chosen cell's window."""
    disabled = ("padding",) if view_same() else ()
    view = _fields("stride", "same", "padding", "pad_mode", "dilation", disabled=disabled)
    h, w = img.shape
    k = kernel.shape[0]
    s, d, mode, p = view.stride, view.dilation, view.pad_mode, lessons.padding_of(view, k)
    st.latex(r"n_\text{out} = \left\lfloor \frac{n + 2p - d\,(k-1) - 1}{s} \right\rfloor + 1")
    same = (
        "  \n" + _("Same padding: p = d(k - 1) / 2 = {d} × ({k} - 1) / 2 = {p}").format(d=d, k=k, p=p)
        if view.same
        else ""
    )
    st.markdown(
        _("Height: `{h}`  \nWidth: `{w}`").format(
            h=cv.formula_text(h, k, s, p, d), w=cv.formula_text(w, k, s, p, d)
        )
        + same
    )
    try:
        out = cv.conv2d(img, kernel, s, p, mode, d)
    except cv.ConvError as err:
        st.error(_("No feature map with these settings: {err}.").format(err=err), icon=":material/block:")
        return view, None, None
    oh, ow = out.shape
    st.markdown(
        _("**Pick an output cell** of the {oh}x{ow} feature map to work it out by hand:").format(oh=oh, ow=ow)
    )
    row, col = cell_inputs(("row", "col"), out.shape)
    walk = cv.cell_walkthrough(img, kernel, row, col, s, p, mode, d)
    c_in, c_out = st.columns(2, gap="large")
    with c_in:
        padded = cv.pad(img, p, mode)
        title = (
            _("Input {h}x{w}, padded by {p} ({mode}) to {ph}x{pw}").format(
                h=h, w=w, p=p, mode=mode, ph=h + 2 * p, pw=w + 2 * p
            )
            if p
            else _("Input {h}x{w}").format(h=h, w=w)
        )
        chart(st, charts.input_figure(padded, p, walk.rows, walk.cols, title), key="conv.input")
    with c_out:
        fig = charts.map_figure(out, (row, col), _("Feature map {oh}x{ow}").format(oh=oh, ow=ow))
        chart(st, fig, key="conv.fmap")
    st.caption(
        _(
            "Red squares: the pixels the kernel reads for the chosen cell; "
            "dashed blue: the image before padding."
        )
    )
    show_code(
        cv.output_size,
        cv.pad,
        cv.patches,
        cv.conv2d,
        note=_("The feature map is this numpy code at every size."),
    )
    return view, out, walk


def view_same() -> bool:
    """Whether 'same' padding is on (then the padding slider is disabled)."""
    return bool(st.session_state[key("same")])


def cell_by_hand(img: np.ndarray, out: np.ndarray, walk: cv.CellWalk, dilation: int) -> None:
    """The chosen cell's patch, the kernel, their products and the sum, against the map's value."""
    gaps = _(" (blank: skipped by dilation)") if dilation > 1 else ""
    g1, g2, g3 = st.columns(3)
    chart(g1, charts.grid_figure(walk.window, _("Input patch") + gaps, like=img), key="conv.g_patch")
    chart(g2, charts.grid_figure(walk.kernel, _("Kernel"), signed=True), key="conv.g_kernel")
    chart(
        g3,
        charts.grid_figure(walk.products, _("Patch × kernel, element by element"), signed=True),
        key="conv.g_products",
    )
    st.markdown(_("**Sum** = {sentence}").format(sentence=lessons.sum_sentence(walk)))
    m1, m2, m3 = st.columns(3)
    m1.metric(_("Sum of the products"), fmt(walk.total, 6))
    m2.metric(
        _("Feature map at ({row}, {col})").format(row=walk.row, col=walk.col),
        fmt(float(out[walk.row, walk.col]), 6),
    )
    m3.metric(_("Taps reading padding"), int(walk.from_padding.sum()))
    show_code(cv.cell_walkthrough)


def channels(rgb: np.ndarray) -> None:
    """K filters over the three colour planes: the parameter count, the filters, K maps."""
    view = _fields("filters", "bank", "bank_size")
    kb = int(view.bank_size)
    bank = lessons.filter_bank(view.bank, view.filters, kb)
    st.markdown(
        _("**Parameters**: {sentence}, whatever the image size.").format(
            sentence=lessons.params_sentence(view.filters, 3, kb)
        )
    )
    s, d, mode = view.stride, view.dilation, view.pad_mode
    try:
        maps = cv.layer_maps(
            lessons.channels_first(rgb), bank.weights, bank.bias, s, lessons.padding_of(view, kb), mode, d
        )
    except cv.ConvError as err:
        st.error(_("No maps with these settings: {err}.").format(err=err), icon=":material/block:")
        return
    c_rgb, c_f = st.columns([1, 3], gap="medium")
    c_rgb.plotly_chart(
        charts.rgb_figure(rgb, _("RGB input {w}x{h}x3").format(w=rgb.shape[1], h=rgb.shape[0])),
        width="stretch",
    )
    names = list(bank.names)
    with c_f:
        chart(st, charts.filters_figure(bank.weights, names))
        st.caption(
            _(
                "Each filter: 3 slices, one per colour; red weights add, blue subtract "
                "(each on its own scale)."
            )
        )
    titles = [f"{n} ({m.shape[0]}x{m.shape[1]})" for n, m in zip(names, maps)]
    chart(st, charts.maps_figure(maps, titles), key="conv.maps")
    show_code(
        cv.conv2d_multi,
        cv.layer_maps,
        cv.conv2d_multi_torch,
        lessons.filter_bank,
        note=_(
            "On this page the maps come from the numpy conv2d_multi (float64): the working size keeps "
            "them small. layer_maps hands maps of more than {n} cells to torch's conv2d in float32 "
            "(conv2d_multi_torch); the tests check both against torch.nn.Conv2d."
        ).format(n=f"{cv.FAST_ABOVE:,}"),
    )


def pooling(out: np.ndarray | None) -> None:
    """Max or average pooling of section 3's map, one pooled cell worked out."""
    view = _fields("pool", "pool_size", "pool_stride")
    if out is None:
        st.info(_("Pooling needs a feature map: fix the settings in section 3 first."))
        return
    size, ps = view.pool_size, view.pool_stride
    st.markdown(
        _("Pooled height: `{h}`  \nPooled width: `{w}`").format(
            h=cv.formula_text(out.shape[0], size, ps), w=cv.formula_text(out.shape[1], size, ps)
        )
    )
    try:
        pooled = cv.pool2d(out, size, ps, view.pool)
    except cv.ConvError as err:
        st.error(_("No pooled map: {err}.").format(err=err), icon=":material/block:")
        return
    prow, pcol = cell_inputs(("pool_row", "pool_col"), pooled.shape)
    pw = cv.pool_walkthrough(out, size, ps, view.pool, prow, pcol)
    c_a, c_b, c_c = st.columns([2, 2, 1], gap="medium")
    chart(c_a, charts.map_figure(out, title=_("Feature map"), window=(pw.rows, pw.cols)), key="conv.pool_in")
    title = _("{kind} pooled {h}x{w}").format(kind=view.pool, h=pooled.shape[0], w=pooled.shape[1])
    chart(c_b, charts.map_figure(pooled, (prow, pcol), title, like=out), key="conv.pooled")
    mark = np.zeros(pw.window.shape, dtype=bool)
    mark[pw.argmax] = view.pool == "max"
    chart(c_c, charts.grid_figure(pw.window, _("The window"), mark=mark, like=out))
    st.markdown(
        _("Pooled cell ({row}, {col}) {sentence}.").format(
            row=prow, col=pcol, sentence=lessons.pool_sentence(pw)
        )
    )
    show_code(cv.pool2d, cv.pool_walkthrough)
