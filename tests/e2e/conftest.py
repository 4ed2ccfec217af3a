"""A real Streamlit server on a free loopback port and headless Chromium driving it.

Without Chromium the browser tests skip with the reason, except under CI (CI set), where a
missing browser is a failure: CI must prove the app works in a real browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


@contextmanager
def streamlit_server(folder: Path, **env: str):
    """A fresh `streamlit run dashboard.py` on a free loopback port, its data in `folder` (the
    run store, exports), with extra environment settings; yields (base URL, process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "streamlit.log"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LAB_RUNS_DB": str(folder / "runs.sqlite"),
        "LAB_EXPORT_DIR": str(folder / "tensorboard"),
        "LAB_DATA_DIR": str(folder),
        **env,
    }
    with open(log, "w") as fh:
        args = ["--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
        args += ["--browser.gatherUsageStats", "false"]
        cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py", *args]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"streamlit exited: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not become healthy in 90 s")
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def need_browser() -> None:
    """Skip without Chromium, except under CI (CI set), where a missing browser fails."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run under CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def server_data(tmp_path_factory) -> Path:
    """The data folder of the `server` below: its run store is server_data / "runs.sqlite"."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def server(server_data):
    """Base URL of a fresh `streamlit run dashboard.py` on 127.0.0.1 (the single user's lab)."""
    need_browser()
    with streamlit_server(server_data) as (base, _proc):
        yield base


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")  # English pages
    pg = ctx.new_page()
    yield pg
    ctx.close()
