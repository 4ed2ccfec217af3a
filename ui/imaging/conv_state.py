"""The Convolution page's widget state: the kernel editor and the cell pickers.

The kernel in use is the named preset, or the user's typed grid when the editor is open. The typed
text lives in `conv._typed` (what the box shows, valid or not) and its last valid form in the view
field `weights` (what the share link holds, '' for the preset). A link that brings other weights
(or none) opens the editor with them (or closes it); `conv._seen` remembers the weights this
session last settled on, so a link is told apart from the user's own typing.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.base.i18n import _
from core.imaging import conv_lessons as lessons
from core.imaging.conv_lessons import ConvView
from core.imaging.kernels import KERNELS, KernelError, parse_kernel, rows_text
from ui.common import state
from ui.common.controls import label_of
from ui.common.plot import chart
from ui.imaging import conv_charts as charts

PREFIX = "conv"
OWN, TYPED, SEEN = "conv._own", "conv._typed", "conv._seen"


def key(name: str) -> str:
    """The session-state key of a ConvView field's widget."""
    return state.widget_key(PREFIX, name)


def _load_preset() -> None:
    """Choosing a named kernel while typing your own starts the text from it."""
    if st.session_state.get(OWN):
        st.session_state[TYPED] = KERNELS[st.session_state[key("kernel")]].text


def _follow_link() -> None:
    """A link brought other typed weights (or none): the editor opens with them (or closes)."""
    weights = st.session_state[key("weights")]
    if weights != st.session_state.get(SEEN, ""):
        st.session_state[OWN] = bool(weights)
        st.session_state.pop(TYPED, None)
        if weights:
            st.session_state[TYPED] = weights.replace("; ", "\n")


def _typed(preset: str) -> None:
    """The editor: the typed grid becomes `weights` when it parses, else the reason is shown."""
    st.session_state.setdefault(TYPED, KERNELS[preset].text)
    text = st.text_area(
        _("Weights: one row per line (or ';'), numbers separated by spaces or commas; fractions like 1/9"),
        key=TYPED,
        height=150,
    )
    try:
        parse_kernel(text)
        st.session_state[key("weights")] = rows_text(text)
    except KernelError as err:
        last = (
            _("your last valid kernel")
            if st.session_state[key("weights")]
            else _("the {kernel}").format(kernel=_(KERNELS[preset].label))
        )
        st.error(
            _("This kernel cannot be used: {err}. Still using {last}.").format(err=err, last=last),
            icon=":material/block:",
        )


def kernel_editor() -> np.ndarray:
    """A named kernel, or your own typed grid; its weights drawn beside. Returns the kernel in use."""
    _follow_link()
    c_pick, c_grid = st.columns([3, 2], gap="large")
    with c_pick:
        preset = st.selectbox(
            _("Kernel"),
            tuple(KERNELS),
            key=key("kernel"),
            format_func=lambda n: _(KERNELS[n].label),
            on_change=_load_preset,
        )
        named = KERNELS[preset]
        if st.session_state.get(OWN):
            st.caption(
                _("Your typed kernel below is in use; choosing a named one here loads it into the box.")
            )
        else:
            st.caption(
                _("{label}: {blurb}. Weights: `{formula}`.").format(
                    label=_(named.label), blurb=_(named.blurb), formula=named.formula
                )
            )
        own = st.toggle(
            _("Type my own kernel"),
            key=OWN,
            help=_("starts from the named kernel above; a typed kernel is kept in the share link"),
        )
        if own:
            _typed(preset)
        else:
            st.session_state[key("weights")] = ""
        st.session_state[SEEN] = st.session_state[key("weights")]
    kernel = lessons.kernel_weights(state.read_config(ConvView, PREFIX))
    k = kernel.shape[0]
    with c_grid:
        title = _("Kernel {k}x{k}").format(k=k)
        chart(st, charts.grid_figure(kernel, title, signed=True))
    return kernel


def cell_inputs(names: tuple[str, str], shape: tuple[int, int]) -> tuple[int, int]:
    """Row / column inputs kept inside the map (a link's cell beyond it moves to the last one)."""
    picked = []
    for name, n, col in zip(names, shape, st.columns(2)):
        st.session_state[key(name)] = min(int(st.session_state[key(name)]), n - 1)
        label = _("{label} (0 to {last})").format(
            label=label_of(ConvView.__dataclass_fields__[name].metadata), last=n - 1
        )
        picked.append(int(col.number_input(label, 0, n - 1, step=1, key=key(name))))
    return picked[0], picked[1]
