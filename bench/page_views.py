"""A class opening the same page at once: the real server, N visitors per page, every page.

Starts `streamlit run dashboard.py` on loopback as bench/load.py does, lets its training workers
finish warming up, then for each page: N visitors (Streamlit's own websocket protocol,
tests/stclient.py) open it together, as a class does when the teacher says "open the
Convolution page". Prints per page: p50 / p95 seconds until a visitor's page is drawn (its script
run finished), errors, and the server's CPU seconds per view. A view of a page the server has
already drawn once, so the figures shown are what every visitor after the first costs.

    python bench/page_views.py [--n 30] [--pages Neuron Convolution ...]
Last line: page_views_cpu_per_view_s=<the largest CPU seconds per view over the pages>
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import cpu_seconds  # noqa: E402
from bench.serving import p, serve  # noqa: E402
from tests.stclient import Visitor  # noqa: E402

PAGES = (
    "",
    "History",
    "Neuron",
    "Activations",
    "MLP_Lab",
    "Image_Basics",
    "Tensors_Graphs",
    "Convolution",
    "CNN_Lab",
    "Compare",
    "Glossary",
)


def settle(pid: int, quiet: float = 0.05, timeout: float = 120.0) -> None:
    """Wait until the server and its workers use under `quiet` CPU s per second (warm-up done)."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_seconds(pid)
        if now - last < quiet:
            return
        last = now


async def view(base: str, page: str, timeout: float) -> tuple[float | None, list[str]]:
    """Open `page`; (seconds until its script run finished, errors on it)."""
    v = Visitor(base, page)
    try:
        start = time.perf_counter()
        await asyncio.wait_for(v.open(), timeout)
        return time.perf_counter() - start, v.errors()
    except TimeoutError:
        return None, [f"{page or 'home'}: not drawn in {timeout} s"]
    finally:
        if getattr(v, "ws", None) is not None:
            await v.close()


async def crowd(base: str, page: str, n: int, timeout: float) -> list[tuple[float | None, list[str]]]:
    return await asyncio.gather(*(view(base, page, timeout) for _ in range(n)))


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument("--n", type=int, default=30, help="visitors opening each page together")
    a.add_argument("--pages", nargs="+", default=list(PAGES), help="url names; '' is the home page")
    a.add_argument("--timeout", type=float, default=120.0)
    a.add_argument("--port", type=int, default=8598)
    args = a.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, folder, None)
        base = f"http://127.0.0.1:{args.port}"
        try:
            for page in args.pages:  # each page drawn once: imports, caches, the workers' warm-up
                asyncio.run(view(base, page, args.timeout))
            settle(server.pid)
            print(f"{args.n} visitors open each page together (each page drawn once before)")
            for page in args.pages:
                c0 = cpu_seconds(server.pid)
                results = asyncio.run(crowd(base, page, args.n, args.timeout))
                time.sleep(0.3)
                cpu = (cpu_seconds(server.pid) - c0) / args.n
                drawn = [r[0] for r in results if r[0] is not None]
                errors = [e for r in results for e in r[1]]
                worst = max(worst, cpu)
                print(
                    f"{page or 'home':15s} drawn p50 {p(drawn, 0.5):5.2f} s p95 {p(drawn, 0.95):5.2f} s | "
                    f"errors {len(errors)} | server CPU per view {cpu:.3f} s",
                    flush=True,
                )
                for e in errors[:3]:
                    print("   error:", e[:200])
            print(f"page_views_cpu_per_view_s={worst:.3f}")
        finally:  # terminate: the server tells its training workers to quit
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


if __name__ == "__main__":
    main()
