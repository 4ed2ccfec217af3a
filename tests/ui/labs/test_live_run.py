"""ui.labs.live_run.last_run under Streamlit's fast reruns: a click during a run starts the next
script run at once, while the interrupted run's thread is still on its way out. The new run
must show the run as that thread filed it (the store's status), not guess it on its own."""

import threading
import time

from streamlit.testing.v1 import AppTest

from core.engine.training import History
from ui.labs import live_run


def _page():
    import streamlit as st

    from ui.labs import live_run

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


def _redraws():
    """The MLP lab's live views drawn twice in one script run from a net that learned nothing
    between the two redraws: the same decision plane and activation bars both times."""
    import streamlit as st

    from core.contract.config import MLPConfig
    from core.engine.training import data_for, train
    from ui.labs import mlp_views, training_views

    cfg = MLPConfig(n_samples=60, depth=2, width=4, epochs=2, lr=1e-5)
    split = data_for(cfg)
    history = train(cfg, split=split)
    slots = mlp_views.make_slots(split)
    training_views.draw(slots, history)
    training_views.draw(slots, history)  # a redraw with nothing new: each element as before
    st.session_state["drawn"] = len(history.epochs)


def test_a_live_redraw_may_repeat_a_figure_exactly():
    """Streamlit refuses two identical keyless charts in one script run; a dead net redraws the
    same decision plane each epoch (a depth-16 ReLU run stopped the page with
    StreamlitDuplicateElementId). Every live redraw must go through."""
    at = AppTest.from_function(_redraws, default_timeout=60).run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert at.session_state["drawn"] == 2
    assert len(at.get("plotly_chart")) == 5  # loss, heatmap, lines, decision plane, activations


def test_the_redraw_budget_is_split_among_the_pages_watching():
    """Alone, a page redraws after max(0.5 s, 4x the redraw's CPU); with 30 pages watching runs on
    2 cores, the class's live charts together take at most a fifth of the 2 cores."""
    alone, crowded = live_run.Throttle(), live_run.Throttle()
    assert alone.due() and crowded.due()  # the first epoch is drawn at once
    t0 = time.perf_counter()
    alone.drew(0.2)  # a dear redraw: 4x its cost
    crowded.drew(0.2, cores=2, watchers=30)
    share = 0.2 * 2 / 30
    assert alone.ready - t0 >= 0.8 - 1e-6 and alone.ready - t0 < 0.9
    assert crowded.ready - t0 >= (1 - share) / share * 0.2 - 1e-6
    cheap = live_run.Throttle()
    cheap.drew(0.001, cores=2, watchers=1)  # few watchers: never more often than every 0.5 s
    assert 0.5 - 1e-6 <= cheap.ready - time.perf_counter() + 0.01 and not cheap.due()
