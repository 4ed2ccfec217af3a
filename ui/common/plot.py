"""Sending a figure dict to the page without plotly copying and validating it on every redraw."""

from __future__ import annotations

import functools
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from core.base.i18n import language


class Built(go.Figure):
    """A figure dict handed to st.plotly_chart as it is. st.plotly_chart validates a dict by
    building a graph_objects Figure from it (tens of ms), and turns a Figure into a dict by a
    deep copy (a few ms for the decision plane's 6,400 cells); for a Figure it calls only
    `to_dict()`, so this one skips building entirely and gives back the dict itself. The dicts
    come from ui/*_charts.py, whose tests build them into validated Figures."""

    def __init__(self, figure: dict) -> None:  # noqa: D107 (no Figure.__init__: nothing to build)
        self._spec = figure

    def to_dict(self) -> dict:
        return self._spec


_LIVE = itertools.count(1)


def chart(slot, figure: dict, key: str | None = None, live: bool = False) -> None:
    """Draw a figure dict into `slot` (st or a placeholder); plotly writes the JSON with orjson
    (requirements.txt), 10x faster than the standard library on the decision plane.

    live: a redraw into a placeholder during a run. Streamlit names an element without a key
    after its content and refuses a second identical one in the same script run, and a net that
    does not learn draws the same decision plane and activation bars epoch after epoch (a deep
    ReLU net gone dead stopped the page with StreamlitDuplicateElementId): each live redraw gets
    a key of its own."""
    if live and key is None:
        key = f"live.{next(_LIVE)}"
    slot.plotly_chart(Built(figure), width="stretch", key=key)


def once(figure: Callable[..., go.Figure | dict]) -> Callable[..., Built]:
    """Memoise a figure function whose figure depends on its (hashable) arguments and the page's
    language only: it is built, and validated, once per language and arguments in this server
    process, and every later view gets that build's dict as a Built. For the lessons' fixed
    figures that every visitor of a class opens alike (bench/page_views.py)."""

    @functools.lru_cache(maxsize=128)
    def build(lang: str, *args: object) -> dict:
        fig = figure(*args)
        return fig if isinstance(fig, dict) else fig.to_dict()

    @functools.wraps(figure)
    def cached(*args: object) -> Built:
        return Built(build(language(), *args))

    return cached


_SHARED: OrderedDict[tuple, dict] = OrderedDict()
_BUILDING: dict[tuple, threading.Event] = {}  # figures being built now: the other pages wait for them
_SHARED_LOCK = threading.Lock()
SHARED_MAX = 256  # figures kept (a finished run's page has about eight)
BUILD_WAIT_S = 5.0  # a page waiting for another's build builds its own after this


def shared(build: Callable[..., dict], history: Any, *args: Any, name: str = "") -> dict:
    """build(history, *args), built once for every page showing the same ended training: a class
    told "open this link and press Train" receives one training on 30 pages (core/serving/
    service.py), whose figures are then the same for all of them (the same epochs, the same final
    weights, the same language). Keyed by the training (`history.source`: the training a page
    receives, kept once the run ended only if it ended as its training did), the figure, its
    arguments, the epochs, the status and the language. A live redraw shares too when it draws the
    run up to the epoch whose weights the page holds (live_run.as_drawn): the pages of one
    training redrawing at that epoch draw alike. Anything else (a run of this page's own, one
    stopped on this page, a live view past its weights) is built as it is.
    The pages of a class receive the end together: the first builds, the others wait for its
    build (they all built it at once before). `name` stands for `build` in the key where build
    is a closure over what the training's config fixes (its data split)."""
    source = getattr(history, "source", None)
    live = history.status == "running"
    if source is None or (live and getattr(history, "weights_epoch", None) != len(history.epochs)):
        return build(history, *args)  # a live run shares only as drawn at its weights' epoch
    what = name or f"{build.__module__}.{build.__qualname__}"
    key = (source, what, args, len(history.epochs), history.status, language())
    with _SHARED_LOCK:
        if (figure := _SHARED.get(key)) is not None:
            _SHARED.move_to_end(key)
            return figure
        building = _BUILDING.get(key)
        if building is None:
            _BUILDING[key] = mine = threading.Event()
    if building is not None:  # another page builds it: wait for that build
        building.wait(BUILD_WAIT_S)
        with _SHARED_LOCK:
            figure = _SHARED.get(key)
        return figure if figure is not None else build(history, *args)  # (that build failed)
    try:
        figure = build(history, *args)
        with _SHARED_LOCK:
            _SHARED[key] = figure
            while len(_SHARED) > SHARED_MAX:
                _SHARED.popitem(last=False)
    finally:
        with _SHARED_LOCK:
            del _BUILDING[key]
        mine.set()
    return figure
