"""What the Image basics sections share: the cache of per-image work, the view's widgets, number
formats, and a zoomed crop.

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

from core.base.i18n import _
from core.contract.config import field_specs
from core.imaging import image_quality as quality
from core.imaging import images as ops
from core.imaging import upscale
from core.imaging.image_lessons import ImageBasicsView
from ui.common.controls import field_widget, help_of, label_of
from ui.common.state import widget_key
from ui.imaging import image_charts as charts

PREFIX = "img"  # the widgets' session-state keys are img.<field>
OPS: dict[str, Callable[..., Any]] = {
    "equalize": ops.equalize,
    "unsharp": ops.unsharp_mask,
    "kernel": ops.kernel_sharpen,
    "noisy": quality.noisy,
    "restored": quality.restored,
    "png": quality.png_roundtrip,
    "enlarge": upscale.enlarge,
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
        label_of(spec), float(spec["min"]), float(spec["max"]), step=step, key=key, help=help_of(spec)
    )


def fmt_bytes(n: int) -> str:
    """Bytes as text: exact below 10,000, else in KB (1 KB = 1,000 bytes) to one decimal."""
    return _("{n} B").format(n=f"{n:,}") if n < 10_000 else _("{kb} KB").format(kb=f"{n / 1000:,.1f}")


def fmt_db(v: float) -> str:
    """A PSNR in dB; identical images have an infinite PSNR."""
    return "∞ dB" if math.isinf(v) else f"{v:.2f} dB"


def zoomed(img: np.ndarray, label: str, side: int = 160) -> None:
    """The centre side x side pixels drawn 2x larger (nearest), so single pixels can be seen."""
    x0, y0, ww, hh = ops.zoom_window(img.shape, 0.5, 0.5, side)
    big = ops.resize(ops.crop(img, x0, y0, ww, hh), 2 * ww, 2 * hh, "nearest")
    charts.show(big, _("centre, 2x: {label}").format(label=label))
