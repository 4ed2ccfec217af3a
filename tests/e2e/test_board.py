"""The class board through the real server: visitors (tests/stclient.py, Streamlit's own websocket
protocol) publish from the lab, a third sees both and can change neither, withdraw removes a run
for everyone, the teacher key clears the board and a wrong key does not (a visitor guessing is
shut out, another is not), hostile nicknames stay
text, and the board's ratios are those stored with the runs. In Chromium: the board in Korean and
in English (screenshots kept), refreshed live while the class publishes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.runs.board import Board
from core.runs.compare import final_ratio
from core.runs.key_guard import PER_VISITOR
from core.runs.store import RunStore
from tests.e2e.conftest import READY, need_browser, streamlit_server
from tests.e2e.test_serving import drive
from tests.stclient import Visitor

pytestmark = pytest.mark.e2e
KEY = "sesame-42"
HOSTILE = '<img src=x onerror="alert(1)">'
DEEP = "epochs=4&n_samples=200&depth=10&width=16"
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "screenshots"))


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A public server with a teacher key; yields (base URL, the store's file)."""
    need_browser()
    folder = tmp_path_factory.mktemp("board")
    env = {"LAB_PUBLIC": "1", "LAB_TRAINING_SLOTS": "2", "LAB_TEACHER_KEY": KEY}
    with streamlit_server(folder, **env) as (base, _proc):
        yield base, folder / "runs.sqlite"


async def trained(base: str, query: str) -> Visitor:
    """A visitor who opened the MLP lab at `query` and trained it to the end."""
    v = await Visitor(base, "MLP_Lab", query).open()
    t = await v.click("Train")
    await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), 120, t)
    await v.settle(t)
    return v


async def publish(v: Visitor, nickname: str) -> None:
    t = await v.click("Publish", {"Nickname": nickname})
    await v.settle(t)
    assert any(a.startswith("Published to the class board") for a in v.alerts()), v.alerts()


async def on_the_board(base: str, query: str, nickname: str) -> tuple[Visitor, Visitor]:
    """A visitor who trained `query` and published it as `nickname`, and another on the board page."""
    v = await trained(base, query)
    await publish(v, nickname)
    return v, await Visitor(base, "Class_Board").open()


def board_rows(v: Visitor):
    frames = [f for f in v.frames() if "nickname" in f.columns]
    return frames[0] if frames else None


async def look(v: Visitor):
    """Open (or reopen) the board page; its table of runs (None when the board is empty)."""
    t = await v.goto("Class_Board")
    await v.settle(t)
    assert not v.errors()
    return board_rows(v)


def test_two_publish_a_third_sees_both_changes_neither_and_withdraw_is_for_everyone(classroom):
    base, db = classroom

    async def scenario():
        ann = await trained(base, f"{DEEP}&activation=sigmoid&seed=1")
        bob = await trained(base, f"{DEEP}&activation=relu&init=he&seed=2")
        await publish(ann, HOSTILE)
        await publish(bob, "Bob")
        cat = await Visitor(base, "Class_Board").open()
        rows = board_rows(cat)
        assert list(rows["nickname"]) == [HOSTILE, "Bob"]  # a table cell: the text as typed
        assert list(rows["activation"]) == ["sigmoid", "relu"]
        store = RunStore(db)
        entries = Board(store).entries()
        for ratio, e in zip(rows["ratio"], entries):
            assert ratio == final_ratio(store.load(e.run_id, detail=False))  # the board's = the stored run's
        assert "Withdraw" not in cat.buttons() and "Clear the board" not in cat.buttons()
        chart = next(b for k, b in cat.elements.values() if k == "plotly_chart")
        assert HOSTILE not in chart.spec and "&lt;img src=x onerror=" in chart.spec  # escaped for plotly
        # a crafted message: cat sends ann's own Withdraw button; it is not on cat's page, nothing moves
        t = await cat.click("", button_id=ann.buttons()["Withdraw"].id)
        await cat.settle(t)
        assert list(board_rows(cat)["nickname"]) == [HOSTILE, "Bob"]
        # ann withdraws hers: gone for everyone
        t = await ann.click("Withdraw")
        await ann.settle(t)
        assert list((await look(cat))["nickname"]) == ["Bob"]
        assert list((await look(bob))["nickname"]) == ["Bob"]
        assert [r["status"] for r in RunStore(db).list()][:2] == ["finished", "finished"]  # runs stay theirs
        for v in (ann, bob, cat):
            assert not v.errors()
            await v.close()

    drive(scenario)


def test_a_visitor_guessing_keys_is_shut_out_and_another_is_not(classroom):
    base, db = classroom

    async def scenario():
        eve, guesser = await on_the_board(base, f"{DEEP}&activation=relu&seed=11", "Eve")
        for i in range(PER_VISITOR):
            t = await guesser.type({"Teacher key": f"guess-{i}"})
            await guesser.settle(t)
            assert any("not the teacher key" in a for a in guesser.alerts()), guesser.alerts()
        t = await guesser.type({"Teacher key": KEY})  # the right key, too late
        await guesser.settle(t)
        assert any("Too many wrong teacher keys from this browser" in a for a in guesser.alerts())
        assert "Clear the board" not in guesser.buttons()
        other = await Visitor(base, "Class_Board").open()
        t = await other.type({"Teacher key": KEY})
        await other.settle(t)
        assert "Clear the board" in other.buttons()  # another visitor's right key opens the controls
        # the shut-out visitor sends that control's click anyway (a crafted message): refused too
        before = Board(RunStore(db)).entries()
        clear = other.buttons()["Clear the board"].id
        t = await guesser.click("", {"Teacher key": KEY}, button_id=clear)
        await guesser.settle(t)
        assert any("Too many wrong teacher keys" in a for a in guesser.alerts()), guesser.alerts()
        assert before and Board(RunStore(db)).entries() == before
        for v in (eve, guesser, other):
            await v.close()

    drive(scenario)


def test_a_wrong_teacher_key_changes_nothing_and_the_right_one_clears(classroom):
    base, db = classroom

    async def scenario():
        dan, teacher = await on_the_board(base, f"{DEEP}&activation=tanh&seed=3", "Dan")
        before = list(board_rows(teacher)["nickname"])
        assert "Dan" in before
        t = await teacher.type({"Teacher key": "sesame"})
        await teacher.settle(t)
        assert any("not the teacher key" in a for a in teacher.alerts())
        assert "Clear the board" not in teacher.buttons()
        assert list(board_rows(teacher)["nickname"]) == before
        t = await teacher.type({"Teacher key": KEY})
        await teacher.settle(t)
        assert not any("not the teacher key" in a for a in teacher.alerts())
        t = await teacher.click("Clear the board", {"Teacher key": KEY})  # a browser sends every widget
        await teacher.settle(t)
        assert any(a.startswith("Cleared:") for a in teacher.alerts()), (
            teacher.alerts(),
            teacher.events[-8:],
        )
        assert board_rows(teacher) is None and Board(RunStore(db)).entries() == []
        assert board_rows(await Visitor(base, "Class_Board").open()) is None  # for everyone
        await teacher.close()
        await dan.close()

    drive(scenario)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_board_in_chromium_updates_live_in_korean_and_english(classroom, browser, lang):
    base, db = classroom
    Board(RunStore(db)).clear()  # each language's class on a board of its own

    async def class_publishes(names: list[str]):
        for i, name in enumerate(names):
            act = "sigmoid" if i % 2 == 0 else "relu&init=he"
            v = await trained(base, f"{DEEP}&activation={act}&seed={10 + i}")
            await publish(v, name)
            await v.close()

    drive(lambda: class_publishes([f"{lang}-0 학생", HOSTILE, f"{lang}-2 학생"]))
    ctx = browser.new_context(viewport={"width": 1400, "height": 1500}, locale="en-US")
    page = ctx.new_page()
    page.goto(f"{base}/Class_Board?lang={lang}")
    page.wait_for_selector(READY, timeout=120_000)
    title = "수업 게시판" if lang == "ko" else "Class board"
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=30_000)
    assert plot.locator("text", has_text=f"{lang}-2 학생").count() == 1
    drive(lambda: class_publishes([f"{lang}-3 학생"]))  # while the page is open
    # no reload: the board's fragment looks again every few seconds
    plot.locator("text", has_text=f"{lang}-3 학생").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert plot.locator("text", has_text=HOSTILE).count() >= 1  # the markup shown as the text typed
    assert page.locator("img[src='x']").count() == 0  # and never made into an element
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"e2e_board_{lang}.png"), full_page=True)
    ctx.close()
