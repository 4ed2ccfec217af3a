"""A class pressing Train at once: the real server, N concurrent visitors, the MLP lab's default run.

Starts `streamlit run dashboard.py` on loopback (the file watcher as the served config sets it, or
`--watcher auto` to see what watching the project folder costs), then for each N, twice: N
visitors open the MLP lab with one link (identical configs: the server trains it once and every
page receives its epochs) and with N links that differ only in the seed (distinct: nothing is
shared but the workers), press Train together, and each waits for its first gradient chart and
for its finished run. The visitors speak Streamlit's own websocket protocol (tests/stclient.py):
a headless Chromium per visitor would cost the 2 cores more than the server it measures (six real
tabs: bench/browsers.py); this driver's own CPU per visitor is printed too, and the memory
sampler's (bench/procs.Peak: PSS read once a second, each read a walk of the server's pages).

Prints per N and kind: p50 / p95 seconds from the click to the first gradient chart and to the
finished run, errors, the server's CPU seconds per run (page, training, every live redraw, the
finished run drawn) against the same training with no page at all and against one visitor alone
through the server (opening the lab and one Train, measured first), the page work's share of it (the
server's own process, not its training workers), the throughput bound (N x CPU per run / cores)
and the server's peak RSS and PSS (proportional set size, /proc/<pid>/smaps_rollup: shared pages
counted once across the server, the fork server and the workers). Before any visitor: the idle
server's RSS and PSS. Then 20 visitors one after another, each training once: the RSS after the
first and after the last. Loopback only; every wait is bounded.

    python bench/load.py [--n 1 8 30] [--distinct | --identical] [--rounds 3] [--watcher none|auto]
                         [--sequential 20]
Last line: load_p95_first_chart_s=<p95 for the largest N, distinct configs>   (targets, N = 30:
distinct p95 first chart within 2.5 s, p95 finished within 1.15x the throughput bound, 0 errors;
identical: every visitor finished within 3 s, the server's CPU for all at most 3x one run (against
one visitor's run alone and against the training alone, both printed: the median of `--rounds`
identical crowds, each with a seed of its own, against the means of both measured before and after
them, since this machine's pace drifts within minutes; and, where the same N ran distinct, against
its server CPU per run, the unit of the issue's own table; also printed: the median from the click
on, the pages already open); idle PSS at most 1.2 GB,
at most 2 GB during N = 30)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.procs import Peak, cpu_seconds, own_cpu_seconds, pss_mb, rss_mb  # noqa: E402
from bench.serving import crowd, one_visitor, p, serve  # noqa: E402


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


def solo_cpu(pid: int, base: str, timeout: float, runs: int = 3, first: int = 4900) -> float:
    """Server CPU seconds (its own process and its workers) of one visitor alone: opening the
    lab and one Train to its finished run, each with a seed of its own (median of `runs`)."""
    times = []
    for i in range(runs):
        c0 = cpu_seconds(pid)
        asyncio.run(one_visitor(base, timeout, f"seed={first + i}"))  # new seeds: nothing to join
        time.sleep(0.5)  # the end's last messages
        times.append(cpu_seconds(pid) - c0)
    return statistics.median(times)


def main() -> None:
    a = argparse.ArgumentParser()
    a.add_argument("--n", type=int, nargs="+", default=[1, 8, 30])
    kinds = a.add_mutually_exclusive_group()
    kinds.add_argument("--distinct", action="store_true", help="only visitors with different seeds")
    kinds.add_argument("--identical", action="store_true", help="only visitors with one link")
    a.add_argument("--watcher", choices=("none", "auto", "poll"), help="override the config's file watcher")
    a.add_argument(
        "--sequential", type=int, default=20, help="visitors one after another, for memory (0: skip)"
    )
    a.add_argument(
        "--rounds", type=int, default=3, help="identical crowds per N (each with a seed of its own): medians"
    )
    a.add_argument("--timeout", type=float, default=240.0)
    a.add_argument("--port", type=int, default=8599)
    args = a.parse_args()
    kinds = ["distinct"] if args.distinct else ["identical"] if args.identical else ["identical", "distinct"]
    cores = len(os.sched_getaffinity(0))

    base_cpu = baseline_cpu()
    print(f"the default MLP run with no page: {base_cpu:.2f} CPU s (median of 3, 1 torch thread)")
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, folder, args.watcher)
        base = f"http://127.0.0.1:{args.port}"
        try:
            asyncio.run(one_visitor(base, args.timeout))  # warm-up: the server's first imports
            time.sleep(2.0)
            watcher = args.watcher or "as configured"
            print(
                f"server started; file watcher: {watcher}; idle: RSS {rss_mb(server.pid):.0f} MB, "
                f"PSS {pss_mb(server.pid):.0f} MB (server, fork server and {cores} workers)"
            )
            solo = solo_cpu(server.pid, base, args.timeout)
            print(
                f"one visitor alone through the server (opening the lab, one Train): {solo:.2f} CPU s = "
                f"{solo / base_cpu:.2f}x the training (median of 3)"
            )
            last_p95 = None
            crowds: dict[int, list[dict]] = {}
            per_run: dict[int, float] = {}  # N -> server CPU per run of the distinct crowd

            def crowd_of(queries: list[str], kind: str) -> dict:
                return measure(server.pid, base, queries, kind, base_cpu, solo, cores, args.timeout)

            for r, n in enumerate(args.n):
                for kind in kinds:
                    if kind == "identical":  # one link for all (a seed of each round: nothing cached)
                        for k in range(args.rounds):
                            queries = [f"seed={1000 + 10 * r + k}"] * n
                            crowds.setdefault(n, []).append(crowd_of(queries, kind))
                    else:
                        queries = [f"seed={2000 + 100 * r + i}" for i in range(n)]
                        got = crowd_of(queries, kind)
                        last_p95, per_run[n] = got["p95"], got["total"] / n
            if crowds:  # the machine's pace drifts: the training and one visitor again, then medians
                base_after = baseline_cpu()
                solo_after = solo_cpu(server.pid, base, args.timeout, first=4950)
                base_m, solo_m = (base_cpu + base_after) / 2, (solo + solo_after) / 2
                print(
                    f"after the crowds: the training alone {base_after:.2f} CPU s, one visitor alone "
                    f"{solo_after:.2f} CPU s; the means of before and after: {base_m:.2f} and {solo_m:.2f} s"
                )
                for n, got in crowds.items():
                    total = statistics.median(g["total"] for g in got)
                    runs = statistics.median(g["total"] - g["opening"] for g in got)
                    last = max(g["max_done"] for g in got)
                    distinct = (
                        f" = {total / per_run[n]:.2f}x the server CPU per run of the {n} distinct visitors "
                        "(the issue's table's unit)"
                        if n in per_run
                        else ""
                    )
                    print(
                        f"N={n:>3} identical, {len(got)} rounds: server CPU for all (median) {total:.2f} s = "
                        f"{total / base_m:.2f}x the training alone = {total / solo_m:.2f}x one visitor's run "
                        f"alone{distinct} (target: at most 3x); from the click on (the runs; every page "
                        f"already open) {runs:.2f} s = {runs / base_m:.2f}x the training alone; every "
                        f"visitor finished by {last:.2f} s in every round (target 3 s)"
                    )
            if args.sequential:
                rss = []
                for i in range(args.sequential):
                    asyncio.run(one_visitor(base, args.timeout, f"seed={5000 + i}"))
                    rss.append(rss_mb(server.pid))
                print(
                    f"{args.sequential} visitors one after another, each training once: RSS "
                    f"{rss[0]:.0f} MB after the first, {rss[-1]:.0f} MB after the last "
                    f"({rss[-1] - rss[0]:+.0f} MB; target within 50)"
                )
                print(f"rss_growth_mb={rss[-1] - rss[0]:.0f}")
            if last_p95 is not None:
                print(f"load_p95_first_chart_s={last_p95:.2f}")
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:  # a worker slow to quit: the figures are printed already
                server.kill()
                server.wait(10)


def measure(
    pid: int, base: str, queries: list[str], kind: str, base_cpu: float, solo: float, cores: int,
    timeout: float,
):  # fmt: skip
    """One crowd: print its figures; returns its p95 seconds to the first chart, the server's CPU
    seconds in all and of its pages opening, and the last visitor's seconds to its finished run."""
    n = len(queries)
    peak = Peak(pid)
    peak.start()
    c0, own0, d0 = cpu_seconds(pid), own_cpu_seconds(pid), time.process_time()
    at_click: list[float] = []
    results = asyncio.run(crowd(base, queries, timeout, lambda: at_click.append(cpu_seconds(pid))))
    time.sleep(0.5)
    total = cpu_seconds(pid) - c0
    opening = at_click[0] - c0 if at_click else 0.0
    page = own_cpu_seconds(pid) - own0
    bench = time.process_time() - d0  # the visitors' driver and the memory sampler: on the same cores
    peak.done.set()
    peak.join()
    driver = (bench - peak.cpu) / n
    firsts = [r[0] for r in results if r[0] is not None]
    dones = [r[1] for r in results if r[1] is not None]
    errors = [e for r in results for e in r[2]]
    per_run = total / n
    bound = n * per_run / cores
    print(
        f"N={n:>3} {kind:>9}: first chart p50 {p(firsts, 0.5):.2f} s p95 {p(firsts, 0.95):.2f} s "
        f"max {p(firsts, 1.0):.2f} s | finished {len(dones)}/{n}, p50 {p(dones, 0.5):.2f} s "
        f"p95 {p(dones, 0.95):.2f} s max {p(dones, 1.0):.2f} s | errors {len(errors)}"
    )
    print(
        f"      server CPU {total:.2f} s in all = {total / base_cpu:.2f}x one run's training = "
        f"{total / solo:.2f}x one visitor's run alone; per run "
        f"{per_run:.2f} s = {per_run / base_cpu:.2f}x; page work (the server's own process) "
        f"{page / n:.3f} s per visitor = {page / max(total, 1e-9):.0%} of it | throughput bound "
        f"{bound:.2f} s, p95 finished = {p(dones, 0.95) / max(bound, 1e-9):.2f}x it "
        f"({p(dones, 0.95) / max((total + bench) / cores, 1e-9):.2f}x with this bench's CPU "
        "counted) | peak RSS "
        f"{peak.rss:.0f} MB, PSS {peak.pss:.0f} MB | driver CPU per visitor {driver:.3f} s, "
        f"memory sampler {peak.cpu:.2f} s in all"
    )
    print(
        f"      of which opening the page {opening:.2f} s ({1000 * opening / n:.0f} ms a visitor); "
        f"from the click on (the runs) {total - opening:.2f} s = {(total - opening) / base_cpu:.2f}x "
        "one run's training"
    )
    for e in errors[:3]:
        print("   error:", e)
    return {
        "p95": p(firsts, 0.95) if firsts else float("inf"),
        "total": total,
        "opening": opening,
        "max_done": p(dones, 1.0),
    }


if __name__ == "__main__":
    main()
