"""The map of image processing's fields at the top of Image basics: what each field does, and a
way to its section (object recognition: the CNN lab)."""

from __future__ import annotations

import streamlit as st

from core.base.i18n import _
from core.imaging.image_lessons import CNN_PAGE, FIELDS, SECTIONS
from ui.common.state import widget_key
from ui.imaging.image_common import PREFIX


def _open(section: str) -> None:
    st.session_state[widget_key(PREFIX, "section")] = section


def fields_map() -> None:
    """One card per field: its name, what it does, and a button to its section or a link."""
    order = list(SECTIONS)
    for col, field in zip(st.columns(len(FIELDS)), FIELDS):
        with col.container(border=True, height="stretch"):
            st.markdown(f"**{_(field.name)}**")
            st.caption(_(field.does))
            if field.where == CNN_PAGE:
                st.page_link(CNN_PAGE, label=_("The CNN lab"), icon=":material/neurology:")
            else:
                n = order.index(field.where) + 1
                st.button(
                    _("Section {n}: {name}").format(n=n, name=_(SECTIONS[field.where])),
                    key=f"img._field_{field.where}",
                    on_click=_open,
                    args=(field.where,),
                    type="tertiary",
                )
