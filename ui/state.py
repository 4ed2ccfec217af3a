"""URL <-> config sync, session-state accessors and cached loaders.

The URL always holds the whole config of a lab (every field, so an old link keeps meaning the
same experiment if a default changes). On a page's first run, or whenever the URL changes
under us (a pasted link), the URL is parsed leniently into the widgets' session-state keys;
bad values fall back to their defaults and the reasons are kept as notices for the page.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import streamlit as st
import torch

from core.config import from_params, to_params
from core.datasets import Split, make_split
from core.i18n import language
from core.image_data import ImageSplit, datasets_dir, load_images
from core.runs import RunStore, default_path, open_store
from ui import lang

C = TypeVar("C")
TORCH_THREADS = 1  # one server serves every session: tiny nets run best on one thread each
PAGE_KEYS = (lang.URL_KEY,)  # URL keys of the page itself, not of a config: never parsed, always kept


@st.cache_resource
def _set_threads() -> int:
    torch.set_num_threads(TORCH_THREADS)
    return TORCH_THREADS


def setup() -> None:
    """The first line of every page, before any text: this run's language (and its picker at the
    top of the sidebar); once per process, a small fixed torch thread count (shared by all sessions)."""
    lang.setup_language()
    _set_threads()


def _url_config() -> dict[str, str]:
    """The URL's parameters that belong to the config (the last value of a repeated key)."""
    params = {k: st.query_params.get_all(k) for k in st.query_params.keys() if k not in PAGE_KEYS}
    return {k: v[-1] if v else "" for k, v in params.items()}


def widget_key(prefix: str, name: str) -> str:
    """The session-state key of a config field's widget, e.g. 'mlp.depth'."""
    return f"{prefix}.{name}"


def sync_from_url(cls: type[C], prefix: str) -> list[str]:
    """Load the URL's config into the widget keys when the URL is new to this session.

    Returns the notices for values that were rejected (kept until the URL changes again).
    With no parameters at all (the page opened from the sidebar), the session's last config
    for this lab is restored instead of the defaults.
    """
    params = _url_config()
    seen = st.session_state.get(f"{prefix}._url")
    widgets_alive = all(widget_key(prefix, n) in st.session_state for n in cls.__dataclass_fields__)
    if params == seen and widgets_alive:
        return st.session_state.get(f"{prefix}._notices", [])
    if not params and f"{prefix}._last" in st.session_state:
        params = st.session_state[f"{prefix}._last"]
    cfg, notices = from_params(cls, params)
    for name, value in asdict(cfg).items():
        st.session_state[widget_key(prefix, name)] = value
    st.session_state[f"{prefix}._notices"] = notices
    return notices


def read_config(cls: type[C], prefix: str) -> C:
    """The config the widgets currently hold."""
    return cls(**{n: st.session_state[widget_key(prefix, n)] for n in cls.__dataclass_fields__})


def publish(cfg: Any, prefix: str) -> dict[str, str]:
    """Write the config to the URL (only when it changed) and remember it for this session."""
    params = to_params(cfg)
    current = _url_config()
    if current != params:
        if current == st.session_state.get(f"{prefix}._url"):
            st.session_state[f"{prefix}._notices"] = []  # the user has moved on from a bad link
        kept = {k: st.query_params[k] for k in PAGE_KEYS if k in st.query_params}
        st.query_params.from_dict({**params, **kept})
    st.session_state[f"{prefix}._url"] = params
    st.session_state[f"{prefix}._last"] = params
    return params


def share_link(page: str, params: dict[str, str]) -> str:
    """An absolute link to this page with the config and the language shown, when the server's URL
    is known."""
    base = ""
    try:
        url = st.context.url
    except Exception:  # outside a browser session (AppTest)
        url = None
    if url:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
    return f"{base}/{page}?{urlencode({**params, lang.URL_KEY: language()})}"


@st.cache_resource(max_entries=32)
def load_split(dataset: str, n: int, noise: float, val_fraction: float, seed: int) -> Split:
    """A generated data set, shared read-only by every session asking for the same one."""
    return make_split(dataset, n, noise, val_fraction, seed)


@st.cache_resource(max_entries=4)
def _images(dataset: str, n_train: int, val_fraction: float, seed: int, root: str) -> ImageSplit:
    return load_images(dataset, n_train, val_fraction, seed, root=Path(root), download=False)


def load_image_split(dataset: str, n_train: int, val_fraction: float, seed: int) -> ImageSplit:
    """An image data set from disk (or the embedded digits), shared read-only by every session
    asking for the same split; never downloads (the page does that, with progress, first)."""
    return _images(dataset, n_train, val_fraction, seed, str(datasets_dir()))


@st.cache_resource
def _store(path: str) -> tuple[RunStore, str | None]:
    store, warning = open_store(path)
    if warning is None:
        store.mark_interrupted(older_than_s=24 * 3600)  # runs left 'running' by a dead server
    return store, warning


def run_store() -> tuple[RunStore, str | None]:
    """The shared run store (LAB_RUNS_DB or the per-user default), and a warning when it had
    to fall back to memory. One store serves every session: it keeps a connection per thread."""
    return _store(str(default_path()))
