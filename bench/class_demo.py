"""A class in one command, for a teacher's rehearsal: the real server, N students, one board.

Starts `streamlit run dashboard.py` in public mode on loopback (a store in a temporary folder),
then N visitors (Streamlit's own websocket protocol, tests/stclient.py) open the MLP lab at depth
10, half with sigmoid (the default init), half with ReLU (He init), each with a seed of their own,
press Train together, and publish their finished run to the class board under a nickname. Then
the teacher opens the Class board and this prints what it shows: the runs by activation, how many
vanished (first/last gradient ratio below 1e-3) and each group's median ratio, read from the
page's own table and checked against the runs in the store.

    python bench/class_demo.py [--n 10] [--epochs 20] [--port 8598]     (or: make class-demo)
Last line: class_demo_published=<runs on the board>
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import serve  # noqa: E402
from tests.stclient import Visitor  # noqa: E402


async def student(base: str, i: int, epochs: int, timeout: float) -> tuple[str, float]:
    """Student i trains their run and publishes it; returns (activation, seconds to publish)."""
    act = "sigmoid" if i % 2 == 0 else "relu"
    query = f"depth=10&epochs={epochs}&activation={act}&seed={i}" + ("&init=he" if act == "relu" else "")
    v = await Visitor(base, "MLP_Lab", query).open()
    t0 = time.perf_counter()
    t = await v.click("Train")
    await v.wait_for(lambda e: e.kind == "alert" and e.text.startswith("Finished"), timeout, t)
    await v.settle(t, timeout)
    t = await v.click("Publish", {"Nickname": f"student {i + 1}"})
    await v.settle(t, timeout)
    if not any(a.startswith("Published to the class board") for a in v.alerts()):
        raise SystemExit(f"student {i + 1} could not publish: {v.alerts()}")
    errors = v.errors()
    await v.close()
    if errors:
        raise SystemExit(f"student {i + 1} saw an error: {errors[0]}")
    return act, time.perf_counter() - t0


async def rehearse(base: str, n: int, epochs: int, timeout: float):
    results = await asyncio.gather(*(student(base, i, epochs, timeout) for i in range(n)))
    teacher = await Visitor(base, "Class_Board").open()
    frames = teacher.frames()
    await teacher.close()
    groups = next((f for f in frames if "median ratio" in f.columns), None)
    runs = next((f for f in frames if "nickname" in f.columns), None)
    return results, groups, runs


def main() -> None:
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("--n", type=int, default=10, help="students")
    a.add_argument("--epochs", type=int, default=20)
    a.add_argument("--timeout", type=float, default=300.0)
    a.add_argument("--port", type=int, default=8598)
    args = a.parse_args()
    if args.n < 1:
        raise SystemExit("error: --n must be at least 1")
    os.environ.update({"LAB_PUBLIC": "1", "LAB_BOARD_TOTAL": str(max(300, args.n))})
    with tempfile.TemporaryDirectory() as folder:
        server = serve(args.port, folder, None)
        try:
            t0 = time.perf_counter()
            results, groups, runs = asyncio.run(
                rehearse(f"http://127.0.0.1:{args.port}", args.n, args.epochs, args.timeout)
            )
            wall = time.perf_counter() - t0
        finally:
            server.terminate()
            server.wait(10)
        from core.runs.board import Board
        from core.runs.board_groups import summary
        from core.runs.store import RunStore

        stored = {
            r["value"]: r for r in summary(Board(RunStore(f"{folder}/runs.sqlite")).entries(), "activation")
        }
    if groups is None or runs is None:
        raise SystemExit("error: the board showed no runs")
    print(
        f"{args.n} students trained depth 10 ({args.epochs} epochs) and published in {wall:.1f} s; "
        f"slowest student {max(s for _a, s in results):.1f} s"
    )
    print(f"the board shows {len(runs)} runs:")
    for _i, row in groups.iterrows():
        act, n, med, van = (
            row["activation"],
            int(row["runs"]),
            float(row["median ratio"]),
            int(row["vanishing"]),
        )
        same = stored.get(act, {}).get("median_ratio")
        check = (
            "= the store's"
            if same is not None and math.isclose(same, med, rel_tol=1e-12)
            else "!= the store's"
        )
        print(
            f"  {act:8s} {n:3d} runs, {van:3d} vanished (ratio < 1e-3), "
            f"median first/last ratio {med:.3g} ({check})"
        )
    print(f"class_demo_published={len(runs)}")


if __name__ == "__main__":
    main()
