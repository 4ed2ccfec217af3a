"""Image basics: what an image is to a computer, and the everyday operations on it."""

import streamlit as st

from core.base.i18n import _
from core.imaging.image_lessons import SECTIONS, ImageBasicsView
from ui.common import state
from ui.imaging import image_charts, image_enhance, image_filters, image_sections
from ui.imaging.image_common import PREFIX
from ui.imaging.image_fields import fields_map
from ui.imaging.image_input import image_picker

state.setup()  # first: the language (and its picker) before any text
st.set_page_config(page_title=_("Image basics"), page_icon="🖼️", layout="wide")

# 1. Lesson ------------------------------------------------------------------------------
st.title(_("Image basics"))
st.markdown(
    _(
        "To a computer a picture is **a grid of numbers**: one number per pixel for grey, three (red, "
        "green, blue) for colour, each 0-255. Everything below is arithmetic on that grid. Image "
        "processing works on it in five fields; this page walks through the first four, the CNN lab "
        "does the fifth:"
    )
)
fields_map()

# 2. Config: URL -> widgets (every field, even those of hidden sections) -> config ---------------
for notice in state.sync_from_url(ImageBasicsView, PREFIX):
    st.warning(_("This link had a bad value. {notice}.").format(notice=notice), icon="⚠️")
# Only the chosen section draws its widgets; Streamlit would drop the others' values at the end
# of this run, so hand each one back to session state to keep it (and the share link) intact.
for name in ImageBasicsView.__dataclass_fields__:
    key = state.widget_key(PREFIX, name)
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]

# 3. Data: the image, decoded once and cached --------------------------------------------------
st.markdown(_("Pick an image (or upload your own), then walk through the sections in order."))
image = image_picker(state.widget_key(PREFIX, "image"), default=ImageBasicsView().image, max_side=1024)
rgb, key = image.rgb, image_charts.digest(image.rgb)
h, w = rgb.shape[:2]
source = (
    _("bundled sample")
    if image.format == "sample"
    else _("{fmt} file, PIL mode {mode}").format(fmt=image.format, mode=image.mode)
)
st.caption(
    _(
        "**{name}** ({source}): {w} x {h} pixels, array shape {shape}, dtype uint8, {bytes} bytes as "
        "raw 24-bit colour."
    ).format(name=image.name, source=source, w=w, h=h, shape=rgb.shape, bytes=f"{rgb.nbytes:,}")
)
section = st.radio(
    _("Section"),
    list(SECTIONS),
    key=state.widget_key(PREFIX, "section"),
    format_func=lambda s: f"{list(SECTIONS).index(s) + 1}. {_(SECTIONS[s])}",
    horizontal=True,
    label_visibility="collapsed",
)
st.subheader(_(SECTIONS[section]))

# 4. Results: the chosen section ------------------------------------------------------------------
if section == "pixels":
    image_sections.pixels(rgb)
elif section == "resolution":
    image_sections.resolution(rgb)
elif section == "bit_depth":
    image_sections.bit_depth(rgb)
elif section == "geometry":
    image_sections.geometry(rgb)
elif section == "enhance":
    image_enhance.enhance(rgb, key)
elif section == "restore":
    image_filters.restore(rgb, key)
else:
    image_filters.compress(rgb, key)

state.publish(state.read_config(ImageBasicsView, PREFIX), PREFIX)
