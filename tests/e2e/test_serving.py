"""Serving a class through the real server, driven by visitors that speak Streamlit's own
websocket protocol (tests/stclient.py): fair admission, a closed tab's run, public mode's
isolation and bounds."""

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
    """A public server: two training slots, a 100-epoch bound, three runs kept per visitor."""
    need_browser()  # the same server set-up as the browser tests (and the same skip rule)
    folder = tmp_path_factory.mktemp("public")
    env = {
        "LAB_PUBLIC": "1",
        "LAB_TRAINING_SLOTS": str(K),
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
        visitors = [
            await Visitor(base, "MLP_Lab", "epochs=100&n_samples=2000&depth=16&width=64").open()
            for _ in range(K + 2)
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
        await tab.wait_for(lambda e: e.kind == "progress" and e.text.startswith("Epoch 3 "), 60, t)
        await tab.close()  # the tab goes away mid-run
        deadline = time.monotonic() + 20
        while runs(db)[-1][2] == "running" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        rid, _owner, status, n_epochs = runs(db)[-1]
        assert status == "stopped" and 3 <= n_epochs < 100
        # its slot is free: K new visitors all start at once
        others = [await Visitor(base, "MLP_Lab", "epochs=40").open() for _ in range(K)]
        clicks = await asyncio.gather(*(v.click("Train") for v in others))
        for v, t in zip(others, clicks):
            await v.wait_for(lambda e: e.kind == "progress" and e.text.startswith("Epoch"), 10, t)
            assert not waiting(v, t)
        for v in others:
            await v.settle(0.0)
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
            assert any("only this tab's runs" in e.text for e in v.events if e.t >= t)
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
