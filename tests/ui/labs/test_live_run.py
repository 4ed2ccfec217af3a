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
    """Alone, a page redraws after max(0.5 s, 4x what the redraw cost the server: its thread's CPU
    times SENDING); with 30 pages watching runs on 2 cores, the class's live charts together take
    at most a fifth of the 2 cores."""
    alone, crowded = live_run.Throttle(), live_run.Throttle()
    assert alone.due() and crowded.due()  # the first epoch is drawn at once
    t0 = time.perf_counter()
    alone.drew(0.2)  # a dear redraw: 4x its cost, 0.2 s of its thread and the sending
    crowded.drew(0.2, cores=2, watchers=30)
    share, cost = 0.2 * 2 / 30, 0.2 * live_run.SENDING
    assert live_run.SENDING > 1  # the event loop's sending counts too
    assert alone.ready - t0 >= 4 * cost - 1e-6 and alone.ready - t0 < 4 * cost + 0.1
    assert crowded.ready - t0 >= (1 - share) / share * cost - 1e-6
    cheap = live_run.Throttle()
    cheap.drew(0.001, cores=2, watchers=1)  # few watchers: never more often than every 0.5 s
    assert 0.5 - 1e-6 <= cheap.ready - time.perf_counter() + 0.01 and not cheap.due()


def test_a_live_redraw_shows_the_run_up_to_its_weights_and_shares_that_view():
    """A live redraw draws the run up to the epoch whose weights the page's model holds
    (live_run.as_drawn): the curves and the decision plane are of one epoch. Two pages of one
    training redrawing at that epoch get one build of each figure (plot.shared); a live view past
    its weights, or one with no weights yet, is built on its own. A page's own Stop, or a run
    that could not train, forgets the training it received: its figures are its own."""
    from dataclasses import replace

    from core.contract.config import MLPConfig
    from core.engine.training import train
    from core.serving.weights import PageModel
    from ui.common.plot import shared
    from ui.labs import training_charts as charts

    run = train(MLPConfig(n_samples=120, depth=3, width=8, epochs=5))
    live = replace(run, status="running", source=("job", 9301), weights_epoch=3)
    view = live_run.as_drawn(live)
    assert [r["epoch"] for r in view.epochs] == [1, 2, 3] and view.model is live.model
    assert len(live.epochs) == 5  # the page's record keeps every epoch
    assert live_run.as_drawn(replace(live, weights_epoch=5)).epochs == live.epochs
    no_weights = replace(live, weights_epoch=None)
    assert live_run.as_drawn(no_weights) is no_weights

    builds = []

    def heatmap(history, measure):
        builds.append(len(history.epochs))
        return charts.grad_heatmap_figure(history, measure)

    other_page = live_run.as_drawn(replace(run, status="running", source=("job", 9301), weights_epoch=3))
    first = shared(heatmap, view, "grad_rms")
    assert shared(heatmap, other_page, "grad_rms") is first and builds == [3]
    assert first == charts.grad_heatmap_figure(view, "grad_rms")
    shared(heatmap, live, "grad_rms")  # 5 epochs drawn, weights of epoch 3: not the training's view
    shared(heatmap, replace(live, weights_epoch=None), "grad_rms")
    assert builds == [3, 5, 5]

    weights = {k: v.detach().numpy().copy() for k, v in run.model.state_dict().items()}
    for status, kept in (("finished", ("job", 9301)), ("diverged", ("job", 9301)), ("stopped", None)):
        h = replace(run, status="running", source=("job", 9301), weights_epoch=3)
        h.lazy_model = PageModel(lambda: run.model)
        live_run.settle(h, "done", {"status": status, "weights": dict(weights)}, ("job", 9301))
        assert (h.status, h.source, h.weights_epoch) == (status, kept, None)
    at = AppTest.from_function(_cannot, default_timeout=30)
    at.run()
    assert not at.exception and at.markdown[0].value == "stopped|None"


def _cannot():
    import streamlit as st

    from core.engine.training import History
    from ui.labs import live_run

    h = History(config={}, layers=[], status="running", source=("job", 1))
    live_run.settle(h, "cannot", "The data set is missing.", ("job", 1))
    st.write(f"{h.status}|{h.source}")


def test_no_live_redraw_when_the_run_ends_before_the_next_one_is_due():
    """live_run.ends_soon: with the run's own pace saying it ends within the throttle's gap, the
    finished run (drawn in place next) would replace a live redraw at once, so none is drawn; with
    no pace yet (fewer than two epochs: the first chart) or a longer way to go, it is. On the
    service's own subscription of a run whose epochs came every 20 ms."""
    from core.contract.config import MLPConfig
    from core.serving.service import SharedRun, Subscription

    def page_of(done: int, total: int = 50) -> Subscription:
        run = SharedRun(key=("mlp",), cfg=MLPConfig(epochs=total), ticket=0)
        run.epochs = [{"epoch": i + 1, "seconds": 0.02 * (i + 1)} for i in range(done)]
        return Subscription(None, run)

    throttle = live_run.Throttle(gap=0.5)
    assert live_run.ends_soon(page_of(45), throttle)  # 5 epochs left: 0.1 s
    assert not live_run.ends_soon(page_of(1), throttle)  # the first epoch: always drawn
    assert not live_run.ends_soon(page_of(10), throttle)  # 40 left: 0.8 s
    assert page_of(45).estimate() < 0.5 <= page_of(25).estimate()
