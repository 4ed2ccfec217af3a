"""Serving a class through the real server, driven by visitors that speak Streamlit's own
websocket protocol (tests/stclient.py): runs sharing the workers epoch by epoch, identical runs
trained once, the line beyond the host's bound, a closed tab's run, public mode's isolation and
bounds."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from core.runs.store import RunStore
from tests.e2e.conftest import need_browser, streamlit_server
from tests.stclient import Visitor

pytestmark = pytest.mark.e2e
K = 2  # training slots of the test server


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    """A public server: two training processes shared by at most two runs at once (the rest wait
    in line), a 100-epoch bound, three runs kept per visitor."""
    need_browser()  # the same server set-up as the browser tests (and the same skip rule)
    folder = tmp_path_factory.mktemp("public")
    env = {
        "LAB_PUBLIC": "1",
        "LAB_TRAINING_SLOTS": str(K),
        "LAB_SHARED_RUNS": str(K),
        "LAB_MAX_EPOCHS": "100",
        "LAB_RUNS_PER_VISITOR": "3",
    }
    with streamlit_server(folder, **env) as (base, _proc):
        yield base, folder / "runs.sqlite"


def drive(scenario):
    """Run an async scenario to its end in a thread of its own (the browser tests' Playwright
    keeps an event loop running in this one) and return its result."""
    result: dict = {}

    def main() -> None:
        try:
            result["value"] = asyncio.run(scenario())
        except BaseException as err:  # re-raised in the test's thread below
            result["error"] = err

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(600)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def runs(db) -> list[tuple]:
    """(id, owner, status, epochs) of every run in the server's store, oldest first."""
    return [(r["id"], r["owner"], r["status"], r["n_epochs"]) for r in reversed(RunStore(db).list())]


def started(v: Visitor, since: float) -> bool:
    return any(e.kind == "progress" and e.text.startswith("Epoch") and e.t >= since for e in v.events)


def at_epoch(e, n: int) -> bool:
    """A progress bar at epoch n or later (the bar is updated at most every 0.25 s, not each epoch)."""
    return e.kind == "progress" and e.text.startswith("Epoch ") and int(e.text.split()[1]) >= n


def waiting(v: Visitor, since: float) -> bool:
    return any(e.kind == "alert" and "in line" in e.text and e.t >= since for e in v.events)


def first_state(v: Visitor, since: float) -> str | None:
    """What a visitor saw first after pressing Train: "ran" (the run's progress bar, shown once it
    holds a slot and a worker: "Starting..." until the worker's first epoch, which on a fresh
    server waits for the worker's warm-up) or "lined" (its place in line; it may have started
    since, when a slot freed); None while it saw neither."""
    for e in v.events:
        if e.t >= since and e.kind == "progress":
            return "ran"
        if e.t >= since and e.kind == "alert" and "in line" in e.text:
            return "lined"
    return None


def test_k_plus_two_visitors_k_train_two_wait_then_train_and_stop_leaves_the_line(public):
    base, db = public
    before = len(runs(db))

    async def scenario():
        visitors = [  # distinct seeds: identical runs would be trained once
            await Visitor(base, "MLP_Lab", f"epochs=100&n_samples=2000&depth=16&width=64&seed={i}").open()
            for i in range(K + 2)
        ]
        clicks = await asyncio.gather(*(v.click("Train") for v in visitors))
        deadline = time.monotonic() + 30
        while True:  # every visitor either trains at once or waits in line first, and only K train
            states = [first_state(v, t) for v, t in zip(visitors, clicks)]
            if None not in states or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert sorted(states, key=str) == sorted(["ran"] * K + ["lined"] * 2), states
        line = [v for v, s in zip(visitors, states) if s == "lined"]
        texts = [next(e.text for e in reversed(v.events) if "in line" in e.text) for v in line]
        assert sorted("number **1**" in t or "number **2**" in t for t in texts) == [True, True]
        # one of the two waiting presses Stop: it leaves the line and never trains
        quitter, stayer = line
        t_stop = await quitter.click("Stop")
        await quitter.settle(t_stop)
        # the others all finish, the one still waiting starting by itself when a slot frees
        for v, t in zip(visitors, clicks):
            if v is not quitter:
                await v.wait_for(
                    lambda e: e.kind == "alert" and e.text.startswith("Finished 100 epochs"), 120, t
                )
        await asyncio.sleep(1.0)
        assert not started(quitter, t_stop) and started(stayer, 0)
        assert all(not v.errors() for v in visitors)
        for v in visitors:
            await v.close()

    drive(scenario)
    new = runs(db)[before:]
    assert [r[2] for r in new] == ["finished"] * (K + 1) and all(r[3] == 100 for r in new)
    assert len({r[1] for r in new}) == K + 1  # each tab its own owner


def test_a_closed_tabs_run_ends_stopped_and_frees_its_slot(public):
    base, db = public

    async def scenario():
        tab = await Visitor(base, "MLP_Lab", "epochs=100&n_samples=2000&depth=8&width=128").open()
        t = await tab.click("Train")
        await tab.wait_for(lambda e: at_epoch(e, 3), 60, t)
        await tab.close()  # the tab goes away mid-run
        deadline = time.monotonic() + 20
        while runs(db)[-1][2] == "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        rid, _owner, status, n_epochs = runs(db)[-1]
        assert status == "stopped" and 3 <= n_epochs < 100
        # its slot is free: K new visitors all start at once
        others = [await Visitor(base, "MLP_Lab", f"epochs=40&seed={50 + i}").open() for i in range(K)]
        clicks = await asyncio.gather(*(v.click("Train") for v in others))
        for v, t in zip(others, clicks):
            await v.wait_for(lambda e: e.kind == "progress" and e.text.startswith("Epoch"), 10, t)
            assert not waiting(v, t)
        for v in others:
            await v.settle(0.0)
            await v.close()

    drive(scenario)


def test_a_train_is_one_script_run_that_ends_with_the_finished_run_drawn(public):
    """The finished run is drawn in place, into the views the run was drawn into live: one script
    run per Train (a second run to draw it was a third of what a Train cost the server). That run
    is the run area's alone (a fragment): the lesson, the controls and the sidebar above it are
    not sent again, and stay on the page."""
    base, db = public

    async def scenario():
        v = await Visitor(base, "MLP_Lab", "epochs=4&n_samples=200&seed=41").open()
        before, controls = v.runs_finished, len(v.widgets("slider"))
        assert controls >= 4 and v.fragment_of(v.buttons()["Train"].id)  # Train is in a fragment
        t = await v.click("Train")
        await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished 4 epochs"), 60, t)
        await v.settle(t)
        await asyncio.sleep(1.0)  # a second script run, were there one, would have begun by now
        assert v.runs_finished == before + 1 and not v.errors()
        kinds = [kind for kind, _body in v.elements.values()]
        assert "progress" not in kinds  # the bar went once the run ended
        alerts = v.alerts()
        assert sum(a.startswith("Finished 4 epochs") for a in alerts) == 1, alerts  # drawn once, in place
        links = [b.label for b in v.widgets("page_link")]
        rid, _owner, status, n_epochs = runs(db)[-1]
        assert (status, n_epochs) == ("finished", 4)
        assert f"Kept as run #{rid}: compare it with other runs" in links
        headings = [b.body for b in v.widgets("heading")]
        for section in ("Loss and accuracy", "Decision boundary", "Weight and gradient distributions"):
            assert section in headings  # every view of the finished run, the distributions' widgets too
        assert kinds.count("plotly_chart") >= 6
        sent = [e for e in v.events if e.t >= t and e.fragment is not None]
        area = v.fragment_of(v.buttons()["Train"].id)
        assert len(sent) > 20 and {e.fragment for e in sent} == {area}  # nothing from above the area
        assert len(v.widgets("slider")) > controls  # the controls are still there, the run's own too
        assert any("Build a multilayer perceptron" in b.body for b in v.widgets("markdown"))  # the lesson too
        await v.close()

    drive(scenario)


def test_public_mode_visitors_reach_only_their_own_runs(public):
    base, db = public

    async def scenario():
        ann, bob = [await Visitor(base, "MLP_Lab", "epochs=3&n_samples=200").open() for _ in range(2)]
        for v in (ann, bob):
            t = await v.click("Train")
            await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished 3 epochs"), 60, t)
            await v.settle(t)
        ann_id, bob_id = runs(db)[-2][0], runs(db)[-1][0]  # ann trained first, then bob
        for v, mine, theirs in ((ann, ann_id, bob_id), (bob, bob_id, ann_id)):
            t = await v.goto("Compare")
            await v.settle(t)
            options = " ".join(v.widgets("multiselect")[-1].options)
            assert f"#{mine} " in options and f"#{theirs} " not in options
            assert any("your runs are kept for this browser" in e.text for e in v.events if e.t >= t)
        # a crafted link naming the other's run changes nothing: there is no way to address it
        t = await ann.goto("Compare", f"id={bob_id}&run={bob_id}&owner=x")
        await ann.settle(t)
        assert f"#{bob_id} " not in " ".join(ann.widgets("multiselect")[-1].options)
        assert not ann.errors() and not bob.errors()
        for v in (ann, bob):
            await v.close()
        return bob_id

    bobs = drive(scenario)
    assert [r for r in runs(db) if r[0] == bobs][0][2] == "finished"


def test_public_bounds_give_a_notice_and_disable_train(public):
    base, _db = public

    async def scenario():
        v = await Visitor(base, "MLP_Lab", "epochs=200").open()
        notices = " ".join(v.alerts())
        assert "at most 100 epochs" in notices and "LAB_MAX_EPOCHS" in notices
        assert v.buttons()["Train"].disabled
        await v.close()

    drive(scenario)


@pytest.fixture(scope="module")
def sharing(tmp_path_factory):
    """A public server as a host runs it: two training processes, the default bound on runs
    sharing them; yields (base URL, the store's file, the server's log)."""
    need_browser()
    folder = tmp_path_factory.mktemp("sharing")
    with streamlit_server(folder, LAB_PUBLIC="1", LAB_TRAINING_SLOTS=str(K)) as (base, _proc):

        async def warm_up():  # the workers warm up with the server's first page: wait for them
            v = await Visitor(base, "MLP_Lab", "epochs=2&n_samples=200&seed=999").open()
            t = await v.click("Train")
            await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), 120, t)
            await v.settle(t)
            await v.close()

        drive(warm_up)
        yield base, folder / "runs.sqlite", folder / "streamlit.log"


def trainings(log) -> int:
    """Runs the server actually trained so far (it logs each one it starts)."""
    return log.read_text().count("lab: training ")


def first_epoch(v: Visitor, since: float) -> float | None:
    """When the visitor's progress first showed an epoch, or None."""
    return next(
        (e.t for e in v.events if e.t >= since and e.kind == "progress" and e.text.startswith("Epoch ")), None
    )


def finished(v: Visitor, since: float) -> float | None:
    """When the visitor's page said the run finished, or None."""
    return next(
        (e.t for e in v.events if e.t >= since and e.kind == "alert" and e.text.startswith("Finished")), None
    )


STORED = ("train_loss", "val_loss", "train_acc", "val_acc")


def solo_epochs(query: str) -> list[dict]:
    """A solo run of the link's config, here, as the store keeps its epochs."""
    from core.contract.config import MLPConfig, from_params
    from core.engine.training import train

    cfg, notices = from_params(MLPConfig, dict(kv.split("=") for kv in query.split("&")))
    assert not notices
    return [{k: e[k] for k in STORED} for e in train(cfg).epochs]


def test_six_distinct_runs_all_see_their_first_epoch_before_any_finishes(sharing):
    base, db, log = sharing
    before = trainings(log)

    async def scenario():
        links = [f"epochs=60&n_samples=2000&depth=6&width=64&seed={100 + i}" for i in range(6)]
        visitors = [await Visitor(base, "MLP_Lab", q).open() for q in links]
        clicks = await asyncio.gather(*(v.click("Train") for v in visitors))
        for v, t in zip(visitors, clicks):
            await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished 60 epochs"), 180, t)
        firsts = [first_epoch(v, t) for v, t in zip(visitors, clicks)]
        finishes = [finished(v, t) for v, t in zip(visitors, clicks)]
        assert None not in firsts and None not in finishes
        assert max(firsts) < min(finishes), (firsts, finishes)  # everyone started before anyone ended
        shared = [e.text for v in visitors for e in v.events if e.kind == "markdown" and "share" in e.text]
        assert any("runs share this server's 2 training processes" in s for s in shared), shared[:3]
        assert all(not v.errors() for v in visitors)
        for v in visitors:
            await v.settle(0.0)
            await v.close()
        return links

    links = drive(scenario)
    assert trainings(log) - before == 6
    new = runs(db)[-6:]
    assert [r[2] for r in new] == ["finished"] * 6
    store = RunStore(db)  # sliced with five others, each run is what it is alone
    by_seed = {int(q.rsplit("seed=", 1)[1]): q for q in links}  # the rows are in the order they began
    for rid, *_rest in new:
        run = store.load(rid)
        got = [{k: e[k] for k in STORED} for e in run["epochs"]]
        assert got == solo_epochs(by_seed.pop(run["config"]["seed"]))
    assert not by_seed


def test_identical_runs_train_once_and_one_stop_leaves_the_others_going(sharing):
    base, db, log = sharing
    query = "epochs=80&n_samples=2000&depth=6&width=64&seed=7"
    before, first_id = trainings(log), (runs(db)[-1][0] if runs(db) else 0)

    async def scenario():
        visitors = [await Visitor(base, "MLP_Lab", query).open() for _ in range(4)]
        clicks = await asyncio.gather(*(v.click("Train") for v in visitors))
        quitter = visitors[0]
        await quitter.wait_for(lambda e: at_epoch(e, 5), 60, clicks[0])
        t_stop = await quitter.click("Stop")
        await quitter.settle(t_stop)
        for v, t in zip(visitors[1:], clicks[1:]):
            await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished 80 epochs"), 120, t)
        joined = [v for v in visitors if any("trains once" in e.text for e in v.events)]
        assert len(joined) == 3, [len(v.events) for v in visitors]
        assert all(not v.errors() for v in visitors)
        for v in visitors:
            await v.settle(0.0)
            await v.close()

    drive(scenario)
    assert trainings(log) - before == 1  # four visitors, one training
    new = [r for r in runs(db) if r[0] > first_id]
    assert len(new) == 4 and len({r[1] for r in new}) == 4  # each visitor's row is theirs
    assert sorted(r[2] for r in new) == ["finished"] * 3 + ["stopped"]
    want, store = solo_epochs(query), RunStore(db)
    for rid, _owner, status, n in new:
        got = [{k: e[k] for k in STORED} for e in store.load(rid)["epochs"]]
        assert got == (want if status == "finished" else want[:n]) and (status == "stopped" or n == 80)
