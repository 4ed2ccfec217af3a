"""The image picker shared by the image pages: a bundled sample or the user's own upload.

The selectbox is keyed `key`, so a page can put the choice in its URL config (ui.common.state writes
that session-state key from the link). An upload is decoded once per file and kept in this
session's state (never in a cache shared with other users); a file that cannot be read gives
st.error with the reason and the page carries on with the last sample, so nothing is lost.
"""

from __future__ import annotations

import streamlit as st

from core.base.i18n import _
from core.imaging.image_samples import SAMPLES, sample_image
from core.imaging.imageio import MAX_UPLOAD_BYTES, ImageError, LoadedImage, load_image, too_big

UPLOAD = "upload"
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"]
CHOICES = (*SAMPLES, UPLOAD)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_sample(name: str, max_side: int) -> LoadedImage:
    """A decoded sample, computed once per (name, max_side) for every session."""
    return sample_image(name, max_side)


def _label(name: str) -> str:
    if name == UPLOAD:
        return _("upload your own image...")
    return _("{name}: {about}").format(name=name, about=_(SAMPLES[name]))


def _switch_to_upload(key: str) -> None:
    """A freshly chosen file is what the user wants to see: select 'upload' for them."""
    if st.session_state.get(f"{key}.file") is not None:
        st.session_state[key] = UPLOAD


def _decoded_upload(key: str, max_side: int) -> LoadedImage | ImageError | None:
    """The current upload decoded (once per file, kept in this session), its error, or None."""
    file = st.session_state.get(f"{key}.file")
    if file is None:
        return None
    memo = f"{key}._decoded"
    stamp = (file.file_id, max_side)
    held = st.session_state.get(memo)
    if held is not None and held[0] == stamp:
        return held[1]
    if file.size > MAX_UPLOAD_BYTES:  # refuse before reading it all into memory
        result: LoadedImage | ImageError = ImageError(too_big(file.name, file.size))
    else:
        try:
            result = load_image(file.getvalue(), file.name, max_side)
        except ImageError as err:
            result = err
    st.session_state[memo] = (stamp, result)
    return result


def image_picker(key: str, default: str = "china", max_side: int = 1024) -> LoadedImage:
    """A sample selectbox (+ 'upload your own') and a file uploader; returns the image to use."""
    if key not in st.session_state or st.session_state[key] not in CHOICES:
        st.session_state[key] = default if default in SAMPLES else next(iter(SAMPLES))
    last = f"{key}._last_sample"
    pick, drop = st.columns([2, 3], gap="medium")
    with pick:
        choice = st.selectbox(
            _("Image"), CHOICES, key=key, format_func=_label, help=_("a bundled picture, or your own file")
        )
    with drop:
        st.file_uploader(
            _("Your own image (PNG, JPEG, GIF, BMP, WebP, TIFF)"),
            type=UPLOAD_TYPES,
            key=f"{key}.file",
            on_change=_switch_to_upload,
            args=(key,),
            help=_("up to {mb} MB; large pictures are shrunk to {side} px").format(
                mb=f"{MAX_UPLOAD_BYTES / 1e6:.0f}", side=max_side
            ),
        )
    if choice != UPLOAD:
        st.session_state[last] = choice
        image = cached_sample(choice, max_side)
    else:
        fallback = st.session_state.get(last, default if default in SAMPLES else next(iter(SAMPLES)))
        result = _decoded_upload(key, max_side)
        if result is None:
            st.info(
                _("Choose a file above to see your own picture; meanwhile this is the {name} sample.").format(
                    name=fallback
                )
            )
            image = cached_sample(fallback, max_side)
        elif isinstance(result, ImageError):
            st.error(_("{error}. Showing the {name} sample instead.").format(error=result, name=fallback))
            image = cached_sample(fallback, max_side)
        else:
            image = result
    for notice in image.notices:
        st.info(notice)
    return image
