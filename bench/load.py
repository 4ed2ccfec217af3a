"""A class pressing Train at once: the real server, N concurrent visitors, the MLP lab's default run.

Starts `streamlit run dashboard.py` on loopback (the file watcher as the served config sets it, or
`--watcher auto` to see what watching the project folder costs), then for each N: N visitors open
the MLP lab, press Train together, and each waits for its first gradient chart and for its
finished run. The visitors speak Streamlit's own websocket protocol (tests/stclient.py): a
headless Chromium per visitor would cost the 2 cores more than the server it measures; this
driver's own CPU per visitor is printed too.

Prints per N: p50 / p95 seconds from the click to the first gradient chart and to the finished
run, errors, the server's CPU seconds per run (page, queueing, training, every live redraw, the
final rerun) against the same training with no page at all, and the server's peak RSS. Then 20
visitors one after another, each training once: the server's RSS after the first and after the
last. Loopback only; every wait is bounded.

    python bench/load.py [--n 1 8 30] [--watcher none|auto] [--sequential 20]
Last line: load_p95_first_chart_s=<p95 for the largest N>   (targets: N = 8 within 5 s; N = 30
within 10 s, every run finished, 0 errors; the server's CPU per run at most 1.5x the training's)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stclient import Visitor  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def tree(pid: int) -> list[int]:
    """The process and every process under it (the server's training workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(_stat(int(entry))[1]), []).append(int(entry))
            except OSError:
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (every thread), from /proc."""
    total = 0
    for p in tree(pid):
        try:
            fields = _stat(p)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLK


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its workers together, in MB."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total / 1024


class Peak(threading.Thread):
    """Samples a process's RSS every 0.1 s; `.peak` is the largest seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak = max(self.peak, rss_mb(self.pid))


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


async def one_visitor(base: str, timeout: float) -> tuple[float, float, list[str]]:
    """Open the MLP lab, press Train; (seconds to the first gradient chart, to the finished run, errors)."""
    v = await Visitor(base, "MLP_Lab").open()
    try:
        t = await v.click("Train")
        first = await v.wait_for(is_grad_chart, timeout, t)
        done = await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), timeout, t)
        await v.settle(done.t, timeout)
        return first.t - t, done.t - t, v.errors()
    finally:
        await v.close()


async def crowd(base: str, n: int, timeout: float) -> list:
    """n visitors open the page, then all press Train together."""
    opened = [await Visitor(base, "MLP_Lab").open() for _ in range(n)]
    clicks = await asyncio.gather(*(v.click("Train") for v in opened))

    async def follow(v: Visitor, t: float):
        try:
            first = await v.wait_for(is_grad_chart, timeout, t)
            done = await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), timeout, t)
            await v.settle(done.t, timeout)
            return first.t - t, done.t - t, v.errors()
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


def baseline_cpu(runs: int = 3) -> float:
    """CPU seconds of the default MLP run with no page at all (data, model, the recorded run)."""
    import torch

    from core.base import malloc
    from core.contract.config import MLPConfig
    from core.engine.training import data_for, train

    torch.set_num_threads(1)
    malloc.tune()  # as the workers train (core/serving/workers.py)
    train(MLPConfig(epochs=1))  # warm-up (imports)
    times = []
    for _ in range(runs):
        start = time.process_time()
        train(MLPConfig(), split=data_for(MLPConfig()))
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument("--n", type=int, nargs="+", default=[1, 8, 30])
    a.add_argument("--watcher", choices=("none", "auto", "poll"), help="override the config's file watcher")
    a.add_argument(
        "--sequential", type=int, default=20, help="visitors one after another, for memory (0: skip)"
    )
    a.add_argument("--timeout", type=float, default=240.0)
    a.add_argument("--port", type=int, default=8599)
    args = a.parse_args()

    base_cpu = baseline_cpu()
    print(f"the default MLP run with no page: {base_cpu:.2f} CPU s (median of 3, 1 torch thread)")
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, folder, args.watcher)
        base = f"http://127.0.0.1:{args.port}"
        try:
            asyncio.run(one_visitor(base, args.timeout))  # warm-up: the server's first imports
            watcher = args.watcher or "as configured"
            print(f"server started; file watcher: {watcher}; RSS {rss_mb(server.pid):.0f} MB")
            last_p95 = None
            for n in args.n:
                peak = Peak(server.pid)
                peak.start()
                c0, d0 = cpu_seconds(server.pid), time.process_time()
                results = asyncio.run(crowd(base, n, args.timeout))
                time.sleep(0.5)
                cpu = (cpu_seconds(server.pid) - c0) / n
                driver = (time.process_time() - d0) / n
                peak.done.set()
                firsts = [r[0] for r in results if r[0] is not None]
                dones = [r[1] for r in results if r[1] is not None]
                errors = [e for r in results for e in r[2]]
                finished = len(dones)
                print(
                    f"N={n:>3}: first chart p50 {p(firsts, 0.5):.2f} s p95 {p(firsts, 0.95):.2f} s "
                    f"max {p(firsts, 1.0):.2f} s | finished {finished}/{n}, p50 {p(dones, 0.5):.2f} s "
                    f"p95 {p(dones, 0.95):.2f} s | errors {len(errors)} | server CPU per run {cpu:.2f} s "
                    f"= {cpu / base_cpu:.2f}x the training | peak RSS {peak.peak:.0f} MB | driver CPU "
                    f"per visitor {driver:.3f} s"
                )
                for e in errors[:3]:
                    print("   error:", e)
                last_p95 = p(firsts, 0.95) if firsts else float("inf")
            if args.sequential:
                rss = []
                for _ in range(args.sequential):
                    asyncio.run(one_visitor(base, args.timeout))
                    rss.append(rss_mb(server.pid))
                print(
                    f"{args.sequential} visitors one after another, each training once: RSS "
                    f"{rss[0]:.0f} MB after the first, {rss[-1]:.0f} MB after the last "
                    f"({rss[-1] - rss[0]:+.0f} MB; target within 50)"
                )
                print(f"rss_growth_mb={rss[-1] - rss[0]:.0f}")
            print(f"load_p95_first_chart_s={last_p95:.2f}")
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:  # a worker slow to quit: the figures are printed already
                server.kill()
                server.wait(10)


if __name__ == "__main__":
    main()
