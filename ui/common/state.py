"""URL <-> config sync, session-state accessors and cached loaders.

The URL always holds the whole config of a lab (every field, so an old link keeps meaning the
same experiment if a default changes). On a page's first run, or whenever the URL changes
under us (a pasted link), the URL is parsed leniently into the widgets' session-state keys;
bad values fall back to their defaults and the reasons are kept as notices for the page.
"""

from __future__ import annotations

import gc
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import streamlit as st
import torch

from core.base import malloc
from core.base.i18n import _, language, ngettext
from core.base.paths import datasets_dir, runs_db
from core.contract.config import from_params, from_stored, to_params
from core.contract.datasets import Split, make_split
from core.engine.image_data import ImageSplit, load_images
from core.runs.board import Board
from core.runs.owners import ScopedStore
from core.runs.store import RunStore, open_store
from core.serving.admission import Admission
from core.serving.hosting import Settings, settings
from core.serving.service import TrainingService
from ui.common import lang, nav, visitor

C = TypeVar("C")
TORCH_THREADS = 1  # one server serves every session: tiny nets run best on one thread each
PAGE_KEYS = (lang.URL_KEY,)  # URL keys of the page itself, not of a config: never parsed, always kept


@st.cache_resource
def _once_per_process() -> int:
    torch.set_num_threads(TORCH_THREADS)
    malloc.tune()  # per-epoch tensors reuse heap memory instead of faulting in fresh pages
    # The first optimiser step of a process imports torch's compiler stack (about a second):
    # pay it here, when the server first shows a page, not when a visitor presses Train.
    from core.contract.config import MLPConfig
    from core.engine.training import train

    train(MLPConfig(n_samples=40, depth=1, width=4, epochs=1))
    # Everything imported so far lives as long as the server: keep the garbage collector from
    # scanning it again at every collection (millions of objects in torch, plotly, pandas).
    gc.collect()
    gc.freeze()
    return TORCH_THREADS


def setup() -> None:
    """The first line of every page, before any text: this run's language (and its picker at the
    top of the sidebar); once per process, a small fixed torch thread count (shared by all
    sessions) and torch warmed up."""
    lang.setup_language()
    nav.sidebar_nav()
    _once_per_process()
    training()


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
    is known (a page served to a browser); a relative one otherwise (AppTest has no URL)."""
    url = st.context.url
    base = ""
    if url:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
    return f"{base}/{page}?{urlencode({**params, lang.URL_KEY: language()})}"


@st.cache_resource(max_entries=32)
def load_split(dataset: str, n: int, noise: float, val_fraction: float, seed: int) -> Split:
    """A generated data set, shared read-only by every session asking for the same one."""
    return make_split(dataset, n, noise, val_fraction, seed)


def mlp_split(cfg: Any) -> Split:
    """The MLP lab's data for a config (shared, cached by the fields that make the data)."""
    return load_split(cfg.dataset, cfg.n_samples, cfg.noise, cfg.val_fraction, cfg.seed)


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


def run_store() -> tuple[RunStore | ScopedStore, str | None]:
    """This visitor's runs, and a warning when the store had to fall back to memory.

    One store file serves every session (a connection per thread). The single user's lab sees
    all of it; in public mode (LAB_PUBLIC=1) each visitor (a browser, known by a cookie: see
    ui.common.visitor) sees only their own runs: a scoped view under an owner id derived from
    the cookie, bounded by the host's limits."""
    store, warning = _store(str(runs_db()))
    host = hosting()
    if not host.public:
        return store, warning
    return ScopedStore(store, visitor.owner(), host.limits.runs_per_visitor, host.limits.runs_total), warning


def owner() -> str:
    """Whose runs this session's are: the visitor's owner id in public mode, "" (the local user) else."""
    return visitor.owner() if hosting().public else ""


def board() -> Board:
    """The class board, in the same store file as the runs, bounded by the host's settings."""
    store, _warning = _store(str(runs_db()))
    limits = hosting().limits
    return Board(store, limits.board_per_visitor, limits.board_total, limits.board_hours)


@st.cache_resource
def hosting() -> Settings:
    """The host's settings, read once per server: the environment, and on Streamlit Community
    Cloud the app's Secrets box (its root-level LAB_ keys), where a host sets them there."""
    env = dict(os.environ)
    if st.secrets.load_if_toml_exists():
        env.update({k: str(v) for k, v in st.secrets.items() if k.startswith("LAB_")})
    return settings(env)


@st.cache_resource
def training() -> TrainingService:
    """The server's training: one worker process per training slot, every visitor's run sharing
    them a slice at a time, identical runs trained once, a line beyond the host's bound. Shared
    by every session of this server; started with the server's first page, so the workers are
    warm by the first Train."""
    host = hosting()
    return TrainingService(host.slots, host.shared, threads=TORCH_THREADS, inline=not host.processes)


def admission() -> Admission:
    """The one line in front of the shared training, for every session of this server."""
    return training().line


def link_notices(cls: type, prefix: str) -> list[str]:
    """Load a shared link into the widgets (see sync_from_url) and warn about its bad values."""
    notices = sync_from_url(cls, prefix)
    for notice in notices:
        st.warning(_("This link had a bad value. {notice}.").format(notice=notice), icon="⚠️")
    return notices


def share_box(page: str, params: dict[str, str]) -> None:
    """The share link of this experiment, and what it reproduces."""
    with st.expander(_("Share this experiment")):
        st.code(share_link(page, params), language="text", wrap_lines=True)
        st.caption(
            _(
                "The link holds every setting, seed included: whoever opens it and presses Train "
                "trains the same net on the same data, in the same batch order with the same "
                "dropout masks. On the CPU the curves come out the same to the last digit; on a GPU "
                "they can differ in the last digits (GPU kernels are not bit-for-bit deterministic)."
            )
        )


def store_notices() -> None:
    """Say when the run store fell back to memory; in public mode, what is kept for this visitor
    and for how long, with Forget me beside it, and keep the visitor's cookie fresh."""
    store, warning = run_store()
    if warning:
        st.warning(warning, icon="⚠️")
    if not hosting().public:
        return
    limits = hosting().limits
    visitor.forgotten_notice()
    with st.container(gap=None):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.caption(
                ngettext(
                    ":material/public: A shared server, no accounts: your runs are kept for this "
                    "browser (an anonymous id in a cookie), up to {keep} runs (the oldest go first), "
                    "for {days} day after your last visit. Another browser or device sees none of "
                    "them, and nobody else can. Export them on the Compare page to keep them longer; "
                    "**Forget me** deletes them.",
                    ":material/public: A shared server, no accounts: your runs are kept for this "
                    "browser (an anonymous id in a cookie), up to {keep} runs (the oldest go first), "
                    "for {days} days after your last visit. Another browser or device sees none of "
                    "them, and nobody else can. Export them on the Compare page to keep them longer; "
                    "**Forget me** deletes them.",
                    limits.visitor_days,
                ).format(keep=limits.runs_per_visitor, days=limits.visitor_days)
            )
            visitor.forget_control(store)
        visitor.keep_cookie(limits.visitor_days)


def config_of(history: Any, cls: type[C]) -> C:
    """The config a kept run was trained with, read back through the codec."""
    return from_stored(cls, history.config)[0]
