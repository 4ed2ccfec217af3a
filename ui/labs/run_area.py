"""A lab's run area as a Streamlit fragment, and how a click in it reaches a run in progress.

Train, Stop and the widgets under the run rerun the area alone (`area`), not the lesson, the
controls and the sidebar above it. Streamlit holds a fragment's own rerun until the running script
ends, so a run checks at each epoch and each wait in line whether the visitor clicked in the area
(`stop_if_clicked`) and ends its script run then, as a click above the area does by itself.
Used by ui/labs/live_run.py (the labs call `live_run.area`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from ui.common import lang


def area(body: Callable[..., None], *args: Any) -> None:
    """A lab's run area, `body(*args)`: Train and Stop, the run, its results. It is a fragment:
    Train, Stop and the widgets under the run rerun it alone, not the lesson, the controls and the
    sidebar above it, which stay as they are (a whole page was two thirds of what a Train cost
    the server for a visitor joining a class's run). A widget above it reruns the page, with it.
    Streamlit calls `body` again with the args of the page's last full run: the config is the
    one the controls show."""
    st.fragment(_area)(body, *args)


def _area(body: Callable[..., None], *args: Any) -> None:
    lang.use_language()  # a rerun of the fragment alone does not pass the page's first line
    body(*args)


def clicked_meanwhile() -> bool:
    """Whether the visitor clicked in the run area (Stop, Train again) while this script runs.
    Streamlit holds a rerun of a fragment until the running script ends (a click above the area
    reruns the page, which stops the script at its next `st` call by itself), so the run reads
    the request Streamlit keeps for the session. It is a private field of Streamlit's, read as
    Streamlit's own fast path reads it; without it, a click waits until the run ends. A
    fragment's timer (`run_every`) is not a click."""
    requests = getattr(get_script_run_ctx(suppress_warning=True), "script_requests", None)
    pending = getattr(requests, "_rerun_data", None)
    return (
        getattr(requests, "_state", None) is ScriptRequestType.RERUN
        and pending is not None
        and not pending.is_auto_rerun
    )


def stop_if_clicked() -> None:
    """End this script run now, as a click elsewhere does, when the visitor clicked in the run
    area: the rerun it asked for then starts (the click's own widget states go with it)."""
    if clicked_meanwhile():
        ctx = get_script_run_ctx()
        st.rerun(scope="fragment" if ctx is not None and ctx.fragment_ids_this_run else "app")
