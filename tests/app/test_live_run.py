"""ui.live_run.last_run under Streamlit's fast reruns: a click during a run starts the next
script run at once, while the interrupted run's thread is still on its way out. The new run
must show the run as that thread filed it (the store's status), not guess it on its own."""

import threading
import time

from streamlit.testing.v1 import AppTest

from core.training import History
from ui import live_run


def _page():
    import streamlit as st

    from ui import live_run

    h = live_run.last_run("run")
    st.write(f"{h.status}|{h.message}|{len(h.epochs)}")


def _running(epochs: int) -> History:
    return History(config={}, layers=[], epochs=[{"epoch": i + 1} for i in range(epochs)])


def test_the_next_run_waits_for_the_interrupted_thread_to_file_the_stop():
    history, settled = _running(3), threading.Event()

    def interrupted_thread_ends_the_run():
        time.sleep(0.3)
        history.epochs.append({"epoch": 4})  # it finished one more epoch before it saw the stop
        history.status, history.message = "stopped", "filed by the run's own thread"
        settled.set()

    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["run"], at.session_state["run" + live_run.SETTLED] = history, settled
    threading.Thread(target=interrupted_thread_ends_the_run).start()
    at.run()
    assert not at.exception
    assert at.markdown[0].value == "stopped|filed by the run's own thread|4"


def test_a_run_no_thread_will_end_is_shown_stopped_after_its_kept_epochs():
    at = AppTest.from_function(_page, default_timeout=30)
    at.session_state["run"] = _running(5)  # a server stopped mid-run: no thread, no event
    at.run()
    assert at.markdown[0].value == "stopped|Stopped after 5 epochs.|5"
