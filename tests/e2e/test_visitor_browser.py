"""Public mode in a real browser: a visitor's runs live as long as their browser's cookie (a
reload, a typed URL), never in a link; another browser sees none of them; Forget me deletes them."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.runs.store import RunStore
from tests.e2e.conftest import READY, need_browser, streamlit_server
from ui.common import visitor

pytestmark = pytest.mark.e2e
DAYS = 2  # LAB_VISITOR_DAYS of the test server


@pytest.fixture(scope="module")
def public(tmp_path_factory, browser):
    """A public server whose visitors are kept for DAYS days, and the session's Chromium (one
    Playwright per process: its browser fixture)."""
    need_browser()
    folder = tmp_path_factory.mktemp("visitor")
    with streamlit_server(folder, LAB_PUBLIC="1", LAB_VISITOR_DAYS=str(DAYS)) as (base, _proc):
        yield base, folder / "runs.sqlite", browser


def settle(page) -> None:
    page.wait_for_timeout(300)  # a click's rerun may not have started yet
    page.wait_for_selector(READY, timeout=120_000)
    assert page.locator("[data-testid='stException']").count() == 0


def the_cookie(ctx, timeout: float = 20.0) -> dict:
    """This browser's visitor cookie, once the page has written it."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [c for c in ctx.cookies() if c["name"] == visitor.COOKIE]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {visitor.COOKIE} cookie after {timeout} s: {ctx.cookies()}")


def shown_runs(page) -> set[int]:
    """The run ids in Compare's table of your runs (empty when it says there are none)."""
    page.get_by_role("heading", name="Your runs").wait_for(timeout=60_000)
    none = page.get_by_text("No runs yet.")
    table = page.locator("[data-testid='stDataFrame']")  # the only table before runs are picked
    none.or_(table).first.wait_for(timeout=60_000)
    if none.count():
        return set()
    table.locator("[role='gridcell']").first.wait_for(state="attached", timeout=30_000)
    rows = table.locator("tr[role='row']")  # glide's accessible table, hidden from view
    ids = set()
    for i in range(rows.count()):
        cells = rows.nth(i).locator("[role='gridcell']")
        if cells.count():
            ids.add(int(cells.first.inner_text().strip()))
    return ids


def links_and_code(page) -> list[str]:
    """Every link target, code block (the share links) and the address shown by the page."""
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    code = [c.inner_text() for c in page.locator("[data-testid='stCode']").all()]
    return [page.url, *hrefs, *code]


def pick(page, label_start: str) -> None:
    """Choose a run in 'Runs to compare' (its option label starts with label_start)."""
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="Runs to compare")
    box.wait_for(timeout=60_000)
    option = page.get_by_role("option").filter(has_text=label_start)
    for _ in range(5):  # a click while the page is still settling may not open the list
        box.click()
        try:
            option.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.first.click()
    page.keyboard.press("Escape")
    settle(page)


def test_runs_survive_a_reload_stay_in_this_browser_and_forget_me_deletes_them(public):
    base, db, browser = public
    ann = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="en-US")
    bob = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="en-US")
    page = ann.new_page()
    page.goto(f"{base}/MLP_Lab?epochs=3&n_samples=200")
    settle(page)
    cookie = the_cookie(ann)
    vid = cookie["value"]
    assert visitor.valid(vid) and cookie["path"] == "/" and cookie["sameSite"] == "Lax"
    assert abs(cookie["expires"] - (time.time() + DAYS * 86400)) < 120  # Max-Age: DAYS days from now
    page.get_by_role("button", name="Train").click()
    page.get_by_text("Finished 3 epochs").first.wait_for(timeout=120_000)
    settle(page)
    (run,) = RunStore(db).list()
    assert run["owner"] == visitor.owner_of(vid) and vid not in run["owner"]
    page.get_by_text("Share this experiment").click()
    shown = links_and_code(page)
    assert any("/MLP_Lab?" in s for s in shown) and not any(vid in s for s in shown)
    assert vid not in page.content()

    # Compare from the sidebar (the same session), then a reload, then a typed URL: new sessions
    page.locator("[data-testid='stSidebar']").get_by_role("link", name="Compare runs").click()
    settle(page)
    assert shown_runs(page) == {run["id"]}
    page.reload()
    settle(page)
    assert shown_runs(page) == {run["id"]}
    page.goto(f"{base}/Compare")
    settle(page)
    assert shown_runs(page) == {run["id"]}
    pick(page, f"#{run['id']} ")
    page.get_by_text("Reopen in the lab").wait_for(timeout=60_000)
    shown = links_and_code(page)
    assert any("/MLP_Lab?" in s for s in shown) and not any(vid in s for s in shown)
    assert the_cookie(ann)["value"] == vid  # every visit refreshes the same id

    # another browser: no shared cookies, none of ann's runs, a visitor id of its own
    other = bob.new_page()
    other.goto(f"{base}/Compare")
    settle(other)
    assert shown_runs(other) == set()
    assert the_cookie(bob)["value"] != vid
    other.reload()
    settle(other)
    assert shown_runs(other) == set()

    # Forget me asks first, then deletes ann's runs and gives the browser a new id
    page.get_by_role("button", name="Forget me").click()
    delete = page.get_by_role("button", name="Delete my runs and forget me")
    delete.wait_for(timeout=30_000)
    assert delete.is_disabled()
    page.get_by_text("Yes, delete my runs").click()
    settle(page)
    if not delete.is_visible():  # the rerun closed the popover
        page.get_by_role("button", name="Forget me").click()
    delete.wait_for(timeout=30_000)
    assert delete.is_enabled()
    delete.click()
    settle(page)
    page.get_by_text("Forgotten: 1 run deleted").wait_for(timeout=30_000)
    assert shown_runs(page) == set()
    assert RunStore(db).list(owner=visitor.owner_of(vid)) == []
    deadline = time.time() + 20
    while the_cookie(ann)["value"] == vid and time.time() < deadline:
        time.sleep(0.2)
    new_vid = the_cookie(ann)["value"]
    assert new_vid != vid and visitor.valid(new_vid)
    page.reload()
    settle(page)
    assert shown_runs(page) == set()
    ann.close()
    bob.close()


def test_a_cookie_of_another_shape_is_no_visitor_and_is_replaced(public):
    base, db, browser = public
    ctx = browser.new_context(locale="en-US")
    forged = "x" * 31 + "!"  # one character off the id's shape
    ctx.add_cookies([{"name": visitor.COOKIE, "value": forged, "url": base}])
    page = ctx.new_page()
    page.goto(f"{base}/Compare")
    settle(page)
    assert shown_runs(page) == set()
    deadline = time.time() + 20
    while the_cookie(ctx)["value"] == forged and time.time() < deadline:
        time.sleep(0.2)
    assert visitor.valid(the_cookie(ctx)["value"])
    ctx.close()


def test_the_single_users_lab_sets_no_cookie(server, page):
    for where in ("MLP_Lab", "Compare"):
        page.goto(f"{server}/{where}")
        settle(page)
        page.wait_for_timeout(1_500)  # a cookie written by the page would be there by now
    assert not [c for c in page.context.cookies() if c["name"] == visitor.COOKIE]
    assert page.get_by_role("button", name="Forget me").count() == 0
