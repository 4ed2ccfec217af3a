"""The Activations page's sections besides its charts: the read-off facts, a verdict in colour,
the links that train each activation. Core results in, streamlit elements out."""

from __future__ import annotations

import streamlit as st

from core.base.i18n import _
from core.contract.activations import ACTIVATIONS
from core.lessons import activation_lessons as lessons
from core.lessons import activation_words as words
from core.lessons.activation_lessons import Peak, Region
from core.lessons.depth_lessons import DepthReading

ALERT = {
    "ok": st.success,
    "leaky": st.info,
    "turning": st.warning,
    "saturated": st.warning,
    "slow": st.warning,
}
VERDICT = {"dead": st.error, "vanishing": st.error, "exploding": st.error, "steady": st.success}


def facts(name: str, x: float, regions: list[Region], peak: Peak, other: str | None) -> None:
    """f and f' as formulas, their values at x, what a unit at x does to a gradient, the slow
    regions and the largest slope in words, and the comparison's read-off."""
    st.latex(rf"f(x) = {ACTIVATIONS[name].formula}")
    unknown = r"\text{" + _("see the code below") + "}"
    st.latex(rf"f'(x) = {lessons.DERIVATIVE_LATEX.get(name, unknown)}")
    fx, dfx = lessons.read_off(name, x)
    m_f, m_df = st.columns(2)
    m_f.metric(f"f({x:g})", f"{fx:.4g}")
    m_df.metric(f"f'({x:g})", f"{dfx:.4g}")
    kind, sentence = words.reading_at(name, x, regions)
    ALERT.get(kind, st.error)(sentence)
    st.markdown(_("**Where the slope is small.** {text}").format(text=words.regions_sentence(name, regions)))
    best = _("Largest slope") if peak.attained else _("Slope's upper bound")
    st.markdown(
        _("**{best}.** f' = {value:.4g} {where}.").format(best=best, value=peak.value, where=peak.where)
    )
    if other:
        ofx, odfx = lessons.read_off(other, x)
        st.caption(
            _("Dashed: {other}, f({x:g}) = {f:.4g}, f'({x:g}) = {df:.4g}.").format(
                other=other, x=x, f=ofx, df=odfx
            )
            + " "
            + words.regions_sentence(other)
        )


def verdict(reading: DepthReading, other: DepthReading | None) -> None:
    """The f'(z)^L reading, coloured by what it means for training."""
    VERDICT.get(reading.verdict, st.warning)(reading.text)
    if other is not None:
        st.caption(_("Dashed: {text}").format(text=other.text))


def train_links(depth: int = 10) -> None:
    """One link per activation: the MLP lab at this depth with that activation, the rest default."""
    cols = st.columns(4)
    for i, name in enumerate(ACTIVATIONS):
        cols[i % 4].page_link(
            "pages/3_MLP_Lab.py",
            label=_("Train {name} at depth {depth}").format(name=name, depth=depth),
            icon=":material/play_arrow:",
            query_params=lessons.mlp_params(name, depth=depth),
        )
