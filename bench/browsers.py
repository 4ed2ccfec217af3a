"""Six real browsers pressing Train together: what a class sees, drawn by Chromium.

Starts `streamlit run dashboard.py` on loopback (as bench/load.py does), opens the MLP lab in N
headless Chromium tabs, each in a browser context of its own (a visitor of its own) and with a
seed of its own (nothing is shared but the training slots), presses Train in every tab within
the same second, and waits in each for its first gradient chart drawn on the page and for its
finished run. The browsers draw on the same 2 cores as the server: a tab costs the machine far
more than the websocket visitors of bench/load.py, so this is the class's view, not a measure of
the server's capacity.

    python bench/browsers.py [--n 6] [--query depth=6&epochs=100]   (default: the lab's defaults)

Prints each tab's seconds from its click to its first gradient chart and to "Finished", the
spread of the clicks, and the server's CPU. Last line: browsers_first_chart_max_s=<the slowest
tab's first chart>.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import cpu_seconds  # noqa: E402
from bench.serving import serve  # noqa: E402
from tests.e2e.conftest import ARGS, CHROMIUM, READY  # noqa: E402

GRADIENT = "Gradient per layer"


async def tabs(base: str, n: int, query: str, timeout_ms: int) -> list[tuple[float, float, float]]:
    """N tabs open the lab, all press Train; per tab (click time, first chart, finished) in
    seconds, the click's from the first click, the others from the tab's own click."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = []
        for i in range(n):
            ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
            page = await ctx.new_page()
            await page.goto(f"{base}/MLP_Lab?" + "&".join(filter(None, [query, f"seed={100 + i}"])))
            await page.wait_for_selector(READY, timeout=timeout_ms)
            pages.append(page)

        async def train(page) -> tuple[float, float, float]:
            clicked = time.perf_counter()
            await page.get_by_role("button", name="Train").click()
            await page.get_by_text(GRADIENT).first.wait_for(timeout=timeout_ms)
            first = time.perf_counter()
            await page.get_by_text("Finished").first.wait_for(timeout=timeout_ms)
            return clicked, first - clicked, time.perf_counter() - clicked

        got = await asyncio.gather(*(train(page) for page in pages))
        errors = sum([await page.locator("[data-testid='stException']").count() for page in pages])
        await browser.close()
    t0 = min(c for c, _f, _d in got)
    if errors:
        print(f"tracebacks on the pages: {errors}")
    return [(c - t0, f, d) for c, f, d in got]


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument("--n", type=int, default=6)
    a.add_argument("--query", default="", help="the lab's settings (each tab adds a seed of its own)")
    a.add_argument("--timeout", type=float, default=240.0)
    a.add_argument("--port", type=int, default=8598)
    args = a.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, folder, None)
        try:
            base = f"http://127.0.0.1:{args.port}"
            asyncio.run(tabs(base, 1, args.query, int(args.timeout * 1000)))  # warm-up: first imports
            c0 = cpu_seconds(server.pid)
            got = asyncio.run(tabs(base, args.n, args.query, int(args.timeout * 1000)))
            cpu = cpu_seconds(server.pid) - c0
        finally:
            server.terminate()
            server.wait(30)
    for i, (clicked, first, done) in enumerate(sorted(got, key=lambda g: g[1])):
        print(
            f"tab {i + 1}: clicked at +{clicked:.2f} s, first gradient chart {first:.2f} s, "
            f"finished {done:.2f} s"
        )
    firsts = sorted(f for _c, f, _d in got)
    print(
        f"{args.n} Chromium tabs, Train within {max(c for c, _f, _d in got):.2f} s: first charts at "
        + ", ".join(f"{f:.1f}" for f in firsts)
        + f" s; finished by {max(d for _c, _f, d in got):.1f} s; "
        f"server CPU {cpu:.1f} s (the tabs opening too)"
    )
    print(f"browsers_first_chart_max_s={firsts[-1]:.2f}")


if __name__ == "__main__":
    main()
