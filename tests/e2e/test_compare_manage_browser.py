"""Compare's own buttons in a real browser: reopen a run in its lab, import an export, delete."""

from __future__ import annotations

import time
from dataclasses import asdict
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.contract.config import MLPConfig, to_params
from core.engine.training import train
from core.runs.export import to_json
from core.runs.recorder import Recorder
from core.runs.store import RunStore
from tests.e2e.conftest import READY

pytestmark = pytest.mark.e2e
CFG = MLPConfig(dataset="moons", n_samples=150, depth=3, width=12, activation="tanh", epochs=3, seed=11)


def keep(db, name: str) -> int:
    """A real run, filed in the server's store as the labs file theirs."""
    rec = Recorder(RunStore(db), "mlp", asdict(CFG), name=name)
    rec.finish(train(CFG, on_epoch=rec.on_epoch))
    return rec.run_id


def choose(page, label: str) -> None:
    """Pick one run in the 'Runs to compare' multiselect."""
    box = page.locator("[data-testid='stMultiSelect']").filter(has_text="Runs to compare")
    box.wait_for(timeout=60_000)  # widgets load lazily after the script settles
    option = page.get_by_role("option", name=label)
    for _ in range(5):  # a click while the page is still settling may not open the list
        box.click()
        page.keyboard.type(label.split(" ")[0] + " ")  # filter: a long list shows only some options
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_selector(READY, timeout=60_000)
    option.click()
    page.keyboard.press("Escape")
    page.wait_for_selector(READY, timeout=60_000)


def test_reopen_import_and_delete_through_the_page(server, server_data, page, tmp_path):
    db = server_data / "runs.sqlite"
    rid = keep(db, "to reopen")
    page.goto(f"{server}/Compare")
    page.wait_for_selector(READY, timeout=120_000)
    choose(page, f"#{rid} to reopen (finished)")
    # reopen: the link opens the MLP lab with the run's whole config, seed included
    page.get_by_role("link", name=f"MLP · #{rid} to reopen").click()
    page.wait_for_url("**/MLP_Lab?**", timeout=120_000)  # the old page is READY until it goes
    page.wait_for_selector(READY, timeout=120_000)
    query = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert urlsplit(page.url).path.endswith("/MLP_Lab") and query == {**query, **to_params(CFG)}
    assert page.locator("[data-testid='stException']").count() == 0

    # import: a JSON export uploaded on the page becomes runs of the store
    export = tmp_path / "export.json"
    export.write_text(to_json([RunStore(db).load(rid)]))
    page.goto(f"{server}/Compare")
    page.wait_for_selector(READY, timeout=120_000)
    page.locator("[data-testid='stFileUploader']").filter(has_text="Import runs").locator(
        "input[type=file]"
    ).set_input_files(str(export))
    page.get_by_text("Imported 1 run(s)").wait_for(timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    imported = RunStore(db).list(limit=1)[0]
    assert imported["name"] == "to reopen (imported)" and imported["config"] == asdict(CFG)

    # delete: the imported run (selected after the import) goes, with its epochs; the original stays
    page.wait_for_selector(READY, timeout=60_000)
    page.get_by_text("Rename, tag or delete").click()
    for _attempt in range(3):  # a click that lands while the page redraws can be lost: try again
        page.get_by_role("button", name="Delete 1 run(s)").click()
        deadline = time.monotonic() + 15
        while RunStore(db).get(imported["id"]) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if RunStore(db).get(imported["id"]) is None:
            break
        page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    assert RunStore(db).get(imported["id"]) is None and RunStore(db).epochs(imported["id"]) == []
    assert RunStore(db).get(rid) is not None
    assert page.locator("[data-testid='stException']").count() == 0
