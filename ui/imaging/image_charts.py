"""Figures and image display for the Image basics page: arrays in, go.Figure (or an st.image) out.

Whole pictures travel as PNG bytes (a data URI for plotly, bytes for st.image), never as JSON
lists of numbers: a 640 x 427 photo as JSON would be about 3 MB per redraw. PNG is lossless, so
what the learner sees is every pixel value the page computed: noise, filters and bit depth are
judged on their own pixels, never on a display codec's artefacts (the Compression section's
JPEG is decoded first, then shown losslessly too). Only the zoomed pixel grid (at most 32 x 32)
is sent as values, because its numbers are the point.
"""

from __future__ import annotations

import base64
import hashlib
import io

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from core.base.i18n import N_, _
from core.imaging.imageio import to_gray

CHANNEL = {"red": 0, "green": 1, "blue": 2}
PLANES = {"red": N_("red"), "green": N_("green"), "blue": N_("blue"), "gray": N_("grey luma")}
COLOURS = {"red": "#d62728", "green": "#2ca02c", "blue": "#1f77b4", "gray": "#444444", "luma": "#444444"}
GRID_HEIGHT = 620  # px; the grid's cells are about (GRID_HEIGHT - 80) / size pixels wide


FRAME = 190  # a 1-pixel light-grey frame drawn round each picture, so white areas keep an edge


def encode(img: np.ndarray, exact: bool = True, frame: bool = False) -> bytes:
    """PNG with zlib's fastest level 1: every value kept (about 50 ms for a 1024 x 683 photo).

    `exact` is ignored: every picture is PNG now (bench/images.py still passes it)."""
    buf = io.BytesIO()
    if frame:  # outside the picture: its own pixels are untouched
        img = np.pad(img, [(1, 1), (1, 1)] + [(0, 0)] * (img.ndim - 2), constant_values=FRAME)
    Image.fromarray(np.ascontiguousarray(img, dtype=np.uint8)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def digest(img: np.ndarray) -> str:
    """A short fingerprint of the pixels (and shape): the cache key of everything derived from them.

    Streamlit hashes big arrays from a sample of their values, so two images differing in one
    pixel could collide; a full blake2b pass costs about 1 ms per MB.
    """
    return f"{img.shape}-{hashlib.blake2b(img.tobytes(), digest_size=12).hexdigest()}"


@st.cache_data(max_entries=64, show_spinner=False)
def _encoded(key: str, _img: np.ndarray) -> bytes:
    return encode(_img, frame=True)


def show(img: np.ndarray, caption: str | None = None) -> None:
    """Draw an image losslessly at up to its own size, a 1-pixel grey frame round it (outside
    its pixels). The PNG bytes are cached by a hash of the pixels (about 1 ms per MB, against
    10-100 ms to encode), so pictures a slider does not change are not encoded again."""
    st.image(_encoded(digest(img), img), caption=caption, width="content")


@st.cache_data(max_entries=16, show_spinner=False)
def _uri(key: str, _img: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(encode(_img)).decode("ascii")


def _data_uri(img: np.ndarray) -> str:
    """The picture as a PNG data URI, cached by its pixels' digest (a photo takes 20-50 ms to
    encode; every visitor who opens the page starts from the same one)."""
    return _uri(digest(img), img)


def overview_figure(rgb: np.ndarray, window: tuple[int, int, int, int]) -> go.Figure:
    """The whole image with the zoomed window outlined (x to the right, y down, as in the array)."""
    h, w = rgb.shape[:2]
    x0, y0, ww, hh = window
    fig = go.Figure(go.Image(source=_data_uri(rgb), x0=0, y0=0, dx=1, dy=1, hoverinfo="x+y"))
    fig.add_shape(
        type="rect",
        x0=x0 - 0.5,
        y0=y0 - 0.5,
        x1=x0 + ww - 0.5,
        y1=y0 + hh - 0.5,
        line=dict(color="#ff2d2d", width=3),
    )
    fig.update_xaxes(title=_("x (column)"), range=[-0.5, w - 0.5], showgrid=False)
    fig.update_yaxes(title=_("y (row)"), range=[h - 0.5, -0.5], showgrid=False, scaleanchor="x")
    fig.update_layout(margin=dict(l=10, r=10, t=10, b=10), height=420)
    return fig


def _cell_px(size: int) -> float:
    return (GRID_HEIGHT - 80) / max(size, 1)


def pixel_grid_figure(patch: np.ndarray, x0: int, y0: int, show: str = "rgb") -> go.Figure:
    """The zoomed pixels as cells, with their values printed on them when the numbers fit.

    show = 'rgb' draws the true colours with 'R G B' on three lines; 'red' / 'green' / 'blue'
    one channel on a black-to-colour scale; 'gray' the BT.601 luma.
    """
    h, w = patch.shape[:2]
    xs, ys = np.arange(x0, x0 + w), np.arange(y0, y0 + h)
    cell = _cell_px(max(h, w))
    if show == "rgb":
        fig = go.Figure(
            go.Image(
                z=patch,
                x0=x0,
                y0=y0,
                dx=1,
                dy=1,
                hovertemplate=_("x=%{x}, y=%{y}<br>R, G, B = %{z}") + "<extra></extra>",
            )
        )
        if cell >= 40:  # three 3-digit lines need about 40 px
            yy, xx = np.meshgrid(ys, xs, indexing="ij")
            text = [f"{r}<br>{g}<br>{b}" for r, g, b in patch.reshape(-1, 3)]
            dark = to_gray(patch).ravel() < 128
            fig.add_trace(
                go.Scatter(
                    x=xx.ravel(),
                    y=yy.ravel(),
                    mode="text",
                    text=text,
                    textfont=dict(size=min(13, int(cell / 4)), color=np.where(dark, "white", "black")),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
        # White lines between the cells, so each triple of numbers clearly belongs to one pixel.
        # Set in one go: add_shape validates every shape added so far again (quadratic in lines).
        lines = dict(type="line", line=dict(color="white", width=1), layer="above")
        columns = [
            dict(lines, x0=x0 + i - 0.5, x1=x0 + i - 0.5, y0=y0 - 0.5, y1=y0 + h - 0.5) for i in range(w + 1)
        ]
        rows = [
            dict(lines, x0=x0 - 0.5, x1=x0 + w - 0.5, y0=y0 + j - 0.5, y1=y0 + j - 0.5) for j in range(h + 1)
        ]
        fig.update_layout(shapes=columns + rows)
    else:
        plane = to_gray(patch) if show == "gray" else patch[..., CHANNEL[show]]
        fits = cell >= 26  # one 3-digit number
        fig = go.Figure(
            go.Heatmap(
                z=plane,
                x=xs,
                y=ys,
                zmin=0,
                zmax=255,
                colorscale=[[0, "black"], [1, "white" if show == "gray" else COLOURS[show]]],
                texttemplate="%{z}" if fits else None,
                textfont=dict(size=min(14, int(cell / 2.6))),
                xgap=1,
                ygap=1,
                colorbar=dict(title=_(PLANES[show]), thickness=12),
                hovertemplate=_("x=%{x}, y=%{y}<br>value %{z}") + "<extra></extra>",
            )
        )
    # Exact ranges (half a pixel round the cells), square cells, and the spare room left empty
    # (constrain="domain") rather than filled with empty columns.
    fig.update_xaxes(
        title=_("x (column)"),
        side="top",
        range=[x0 - 0.5, x0 + w - 0.5],
        tickmode="linear",
        dtick=1 if w <= 16 else 2,
        showgrid=False,
        zeroline=False,
        constrain="domain",
    )
    fig.update_yaxes(
        title=_("y (row)"),
        range=[y0 + h - 0.5, y0 - 0.5],
        tickmode="linear",
        dtick=1 if h <= 16 else 2,
        scaleanchor="x",
        showgrid=False,
        zeroline=False,
        constrain="domain",
    )
    fig.update_layout(height=GRID_HEIGHT, margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white")
    return fig


def histogram_figure(hists: dict[str, np.ndarray], cdf: bool = False) -> go.Figure:
    """Counts of each value 0..255, one line per entry (the first filled); with cdf, the cumulative
    share. The keys are the legend's names, already translated."""
    fig = go.Figure()
    v = np.arange(256)
    palette = ["#7f7f7f", "#1f77b4", "#d62728", "#2ca02c"]
    for i, (name, counts) in enumerate(hists.items()):
        colour = COLOURS.get(name, palette[i % len(palette)])
        fill = "tozeroy" if i == 0 else "none"  # 'before' as an area, 'after' as a line on top of it
        fig.add_trace(go.Scatter(x=v, y=counts, name=name, mode="lines", line=dict(color=colour), fill=fill))
        if cdf:
            share = np.cumsum(counts) / max(int(np.sum(counts)), 1)
            fig.add_trace(
                go.Scatter(
                    x=v,
                    y=share,
                    name=_("{name}: cumulative share").format(name=name),
                    yaxis="y2",
                    mode="lines",
                    line=dict(color=colour, dash="dot"),
                )
            )
    fig.update_layout(
        xaxis=dict(title=_("value"), range=[0, 255]),
        yaxis=dict(title=_("pixels")),
        height=300,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    if cdf:
        fig.update_layout(
            yaxis2=dict(
                title=_("cumulative share"),
                overlaying="y",
                side="right",
                range=[0, 1],
                tickmode="linear",
                dtick=0.25,
                tickformat=".0%",
                showgrid=False,
            )
        )
    return fig


def tone_curve_figure(lut: np.ndarray) -> go.Figure:
    """The lookup table as a curve: input value on x, output value on y, with the identity dashed."""
    v = np.arange(256)
    fig = go.Figure(
        [
            go.Scatter(x=v, y=v, name=_("unchanged"), mode="lines", line=dict(color="#bbbbbb", dash="dash")),
            go.Scatter(x=v, y=lut, name=_("output"), mode="lines", line=dict(color="#1f77b4", width=3)),
        ]
    )
    fig.update_layout(
        xaxis=dict(title=_("input value"), range=[0, 255]),
        yaxis=dict(title=_("output value"), range=[0, 255], scaleanchor="x"),
        height=320,
        margin=dict(l=10, r=10, t=10, b=10),
        showlegend=False,
    )
    return fig


def quality_figure(
    qualities: list[int], kbytes: list[float], psnrs: list[float], png_kb: float, now: int
) -> go.Figure:
    """JPEG size and PSNR against quality, the PNG size as a line, the chosen quality marked."""
    fig = go.Figure(
        [
            go.Scatter(
                x=qualities,
                y=kbytes,
                name=_("JPEG size (KB)"),
                mode="lines+markers",
                line=dict(color="#1f77b4"),
            ),
            go.Scatter(
                x=qualities,
                y=psnrs,
                name=_("JPEG PSNR (dB)"),
                yaxis="y2",
                mode="lines+markers",
                line=dict(color="#d62728"),
            ),
        ]
    )
    fig.add_hline(
        y=png_kb,
        line=dict(color="#1f77b4", dash="dot"),
        annotation_text=_("PNG {kb} KB").format(kb=f"{png_kb:,.0f}"),
        annotation_position="top left",
    )
    fig.add_vline(x=now, line=dict(color="#444444", width=1))
    fig.update_layout(
        xaxis=dict(title=_("JPEG quality")),
        yaxis=dict(title=_("KB"), rangemode="tozero"),
        yaxis2=dict(title=_("PSNR (dB)"), overlaying="y", side="right", tickmode="auto", showgrid=False),
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return fig


def versions_figure(names: list[str], psnrs: list[float], sharpness: list[float]) -> go.Figure:
    """Two bar charts side by side: each version's PSNR against the original (an identical image,
    infinite, is left out) and its sharpness (mean gradient)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[_("PSNR against the original (dB, higher = closer)"), _("Sharpness: mean gradient")],
        horizontal_spacing=0.12,
    )
    finite = [(n, p) for n, p in zip(names, psnrs) if np.isfinite(p)]
    fig.add_trace(
        go.Bar(
            x=[n for n, _p in finite],
            y=[p for _n, p in finite],
            marker_color="#1f77b4",
            text=[f"{p:.2f}" for _n, p in finite],
            hovertemplate="%{x}: %{y:.2f} dB<extra></extra>",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Bar(
            x=names,
            y=sharpness,
            marker_color="#ff7f0e",
            text=[f"{v:.2f}" for v in sharpness],
            hovertemplate=_("%{x}: %{y:.2f} grey levels per pixel") + "<extra></extra>",
        ),
        1,
        2,
    )
    fig.update_yaxes(title=_("dB"), row=1, col=1)
    fig.update_yaxes(title=_("grey levels per pixel"), rangemode="tozero", row=1, col=2)
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), showlegend=False)
    return fig
