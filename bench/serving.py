"""The served app and a class of websocket visitors, for the benches: `serve` starts
`streamlit run dashboard.py` on loopback with its data in a folder of its own; `one_visitor` and
`crowd` open the MLP lab, press Train and time the first gradient chart and the finished run
(tests/stclient.py speaks Streamlit's own protocol). Used by bench/load.py, bench/page_views.py,
bench/class_demo.py and bench/browsers.py."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stclient import Visitor  # noqa: E402


def serve(port: int, folder: str, watcher: str | None) -> subprocess.Popen:
    env = {**os.environ, "LAB_DATA_DIR": folder, "LAB_RUNS_DB": f"{folder}/runs.sqlite"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    if watcher:
        cmd += ["--server.fileWatcherType", watcher]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start in 90 s")


def is_grad_chart(e) -> bool:
    return e.kind == "plotly_chart" and e.text.startswith("Gradient") and "per layer" in e.text


async def timed(v: Visitor, t: float, timeout: float) -> tuple[float, float, list[str]]:
    """After a Train pressed at `t`: (seconds to the first gradient chart, to the finished run,
    the page's errors); TimeoutError when either does not come within `timeout`."""
    first = await v.wait_for(is_grad_chart, timeout, t)
    done = await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), timeout, t)
    await v.settle(done.t, timeout)
    return first.t - t, done.t - t, v.errors()


async def one_visitor(base: str, timeout: float, query: str = "seed=999") -> tuple[float, float, list[str]]:
    """Open the MLP lab, press Train; (seconds to the first gradient chart, to the finished run, errors)."""
    v = await Visitor(base, "MLP_Lab", query).open()
    try:
        return await timed(v, await v.click("Train"), timeout)
    finally:
        await v.close()


async def crowd(base: str, queries: list[str], timeout: float, on_open=None) -> list:
    """A visitor per query opens the page, then all press Train together (on_open() between)."""
    opened = [await Visitor(base, "MLP_Lab", q).open() for q in queries]
    if on_open is not None:
        on_open()
    clicks = await asyncio.gather(*(v.click("Train") for v in opened))

    async def follow(v: Visitor, t: float):
        try:
            return await timed(v, t, timeout)
        except TimeoutError as err:
            return None, None, [f"timeout: {err}"[:200]]
        finally:
            await v.close()

    return await asyncio.gather(*(follow(v, t) for v, t in zip(opened, clicks)))


def p(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank); infinite when nothing arrived."""
    if not values:
        return float("inf")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]
