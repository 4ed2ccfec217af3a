"""The Activations page's sentences: each slow region, and a unit at x, said for what it is.

The regions come from core.lessons.activation_lessons (computed from f'); here they become words,
wrapped for translation. Pure: no streamlit.
"""

from __future__ import annotations

import math

import numpy as np

from core.base.i18n import _
from core.contract.activations import ACTIVATIONS
from core.lessons.activation_lessons import (
    Region,
    is_flat,
    percent,
    read_off,
    region_at,
    slow_regions,
    threshold,
)
from core.lessons.depth_lessons import short


def _span(name: str, r: Region) -> str:
    """The interval in words; an edge that is a round number and itself slow (ReLU's 0) is kept: x ≤ 0."""

    def closed(edge: float) -> bool:
        v = float(short(edge))
        return abs(v - edge) < 1e-12 and bool(is_flat(name, np.array([v]))[0])

    if r.lo == -math.inf and r.hi == math.inf:
        return _("every x")
    if r.lo == -math.inf:
        return f"x {'≤' if closed(r.hi) else '<'} {short(r.hi)}"
    if r.hi == math.inf:
        return f"x {'≥' if closed(r.lo) else '>'} {short(r.lo)}"
    return f"{short(r.lo)} < x < {short(r.hi)}"


def region_label(r: Region) -> str:
    """A short name for a region, for the chart."""
    if r.kind == "dead":
        return _("dead: f' = 0")
    if r.kind == "leaky":
        return _("leaky: f' = {slope:g}").format(slope=r.slope)
    if r.kind == "turning":
        return _("f' = 0 at x = {zero}").format(zero=short(r.zero))
    return _("saturated") if r.kind == "saturated" else _("slow")


def _part(name: str, kind: str, spans: list[Region]) -> str:
    """What one kind of slow stretch means for the gradient, in words."""
    where = _(" and ").join(_span(name, r) for r in spans)
    r = spans[0]
    if kind == "dead":
        return _("for {where}, dead: f' = 0 exactly, so an input there sends no gradient back").format(
            where=where
        )
    if kind == "leaky":
        return _(
            "for {where}, leaky: f' = {slope:g} there, so {share} of the gradient always passes; small, "
            "but it never saturates and never dies"
        ).format(where=where, slope=r.slope, share=percent(abs(r.slope) / ACTIVATIONS[name].max_grad))
    if kind == "turning":
        return _(
            "for {where}, a turning point, not a saturated region: f has its {extreme} at x = {zero}, "
            "where f' = 0 at that one point and changes sign, and the slope grows back on both sides"
        ).format(where=where, extreme=_("minimum") if r.minimum else _("maximum"), zero=short(r.zero))
    if kind == "saturated":
        return _(
            "for {where}, saturated: f flattens out and f' shrinks toward 0 without reaching it, so "
            "it passes back less than a tenth of what it passes at its best, but never nothing"
        ).format(where=where)
    return _("for {where}, slow: |f'| is small there but not 0").format(where=where)


def regions_sentence(name: str, regions: list[Region] | None = None) -> str:
    """The slow regions in words, each said for what it is, with the threshold they come from."""
    regions = slow_regions(name) if regions is None else regions
    best = ACTIVATIONS[name].max_grad
    if not regions:
        return _("{name}'s slope never drops under {thr:.3g}, a tenth of its best {best:.4g}.").format(
            name=name, thr=threshold(name), best=best
        )
    kinds = list(dict.fromkeys(r.kind for r in regions))  # in order along x
    parts = [_part(name, kind, [r for r in regions if r.kind == kind]) for kind in kinds]
    return _("Where |f'(x)| < {thr:.3g}, a tenth of {name}'s best slope {best:.4g}: {parts}.").format(
        thr=threshold(name), best=best, name=name, parts="; ".join(parts)
    )


def reading_at(name: str, x: float, regions: list[Region]) -> tuple[str, str]:
    """What a unit at x does to a gradient, as (kind, sentence); kind is "ok" above the 10% line,
    else the kind of region x is in."""
    _fx, dfx = read_off(name, x)
    share = percent(abs(dfx) / ACTIVATIONS[name].max_grad)
    here = region_at(regions, x)
    if here is None:
        flip = _(" (with its sign flipped)") if dfx < 0 else ""
        return "ok", _(
            "At x = {x:g} the unit passes back {share} of its best slope{flip}: above the 10% line."
        ).format(x=x, share=share, flip=flip)
    if here.kind == "dead":
        return "dead", _(
            "At x = {x:g}, f' = 0: for this input no gradient passes back through the unit, and the "
            "weights feeding it learn nothing from this input. A unit at z ≤ 0 for every input is called "
            "dead, but it can come back: when the layers before it move its inputs, or when weight decay "
            "under Adam pulls its weights and bias back to 0 and past it."
        ).format(x=x)
    if here.kind == "leaky":
        return "leaky", _(
            "At x = {x:g}, f' = {d:g}: the unit passes back {share} of its best slope. Small, but never "
            "zero: this is what the leak is for."
        ).format(x=x, d=dfx, share=share)
    if here.kind == "turning":
        return "turning", _(
            "At x = {x:g}, f' = {d:.3g}, {share} of its best slope: {name} is near its {extreme} at "
            "x = {zero}, where f' crosses 0 at a single point. Move x either way and the slope grows back."
        ).format(
            x=x,
            d=dfx,
            share=share,
            name=name,
            extreme=_("minimum") if here.minimum else _("maximum"),
            zero=short(here.zero),
        )
    return "saturated", _(
        "At x = {x:g} the unit is saturated: f is nearly flat, and it multiplies each gradient by "
        "{d:.3g}, {share} of its best slope. Some gradient still passes, under a tenth of its best."
    ).format(x=x, d=dfx, share=share)
