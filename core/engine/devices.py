"""The devices torch sees here, and what a matrix multiply runs at on each (GFLOP/s)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from core.base.i18n import _


@dataclass(frozen=True)
class DeviceInfo:
    """A device torch can run on here."""

    device: str  # torch device string: cpu, cuda:0, mps
    name: str
    detail: str


def devices() -> list[DeviceInfo]:
    """The CPU (with torch's thread count), every CUDA device (name, memory) and MPS if present."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    out = [
        DeviceInfo(
            "cpu",
            cpu,
            _("{cores} logical cores; torch uses {n} thread(s)").format(
                cores=os.cpu_count(), n=torch.get_num_threads()
            ),
        )
    ]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            out.append(
                DeviceInfo(
                    f"cuda:{i}",
                    p.name,
                    _("{gib} GiB, {sms} SMs").format(
                        gib=f"{p.total_memory / 2**30:.1f}", sms=p.multi_processor_count
                    ),
                )
            )
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append(DeviceInfo("mps", _("Apple GPU (Metal)"), _("unified memory")))
    return out


def pick_device(lab: str) -> str:
    """Where a lab trains by default: a CUDA GPU for the CNN lab when there is one, else the CPU.

    The MLP lab's nets are so small that kernel launches dominate on a GPU (a depth-10 MLP trained
    3x slower on an H100 than on 2 CPU cores), so it stays on the CPU.
    """
    return "cuda" if lab == "cnn" and torch.cuda.is_available() else "cpu"


def _sync(device: str) -> None:
    """Wait for queued GPU work: GPU calls return at once, so timing without this measures nothing."""
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)
    elif device == "mps":
        torch.mps.synchronize()


MATMUL_SIZES = (64, 128, 256, 512, 1024, 2048)
MATMUL_BUDGET_S = 2.0


def matmul_flops(n: int) -> int:
    """Floating-point operations of an n x n @ n x n product: n^3 multiplications and n^2 (n - 1)
    additions, 2 n^3 - n^2, counted as 2 n^3 (the usual convention: a multiply-add is 2)."""
    return 2 * n**3


def matmul_gflops(
    device: str, sizes: tuple[int, ...] = MATMUL_SIZES, budget_s: float = MATMUL_BUDGET_S
) -> list[tuple[int, float]]:
    """(n, GFLOP/s) of an n x n @ n x n float32 product (matmul_flops(n)) per size, smallest first;
    a size is left out when a warm-up and 3 repeats at the last size's rate would overrun budget_s."""
    g = torch.Generator().manual_seed(0)
    out: list[tuple[int, float]] = []
    start, rate = time.perf_counter(), 0.0
    for n in sizes:
        flops = matmul_flops(n)
        left = budget_s - (time.perf_counter() - start)
        if rate and 4 * flops / rate > left:  # warm-up + 3 repeats would not fit
            break
        a, b = (torch.randn(n, n, generator=g).to(device) for _i in range(2))

        def run(a: Tensor = a, b: Tensor = b) -> None:
            a @ b
            _sync(device)

        (secs,) = median_seconds(run, budget_s=min(0.3, left / 4), max_reps=20)
        rate = flops / secs
        out.append((n, rate / 1e9))
    return out


def median_seconds(*fns: Callable[[], object], budget_s: float = 0.3, max_reps: int = 50) -> list[float]:
    """Median wall time of each fn() over repeats within about budget_s (at least one), after one
    warm-up call each. Several functions run in turn (a, b, a, b...), so a slow spell hits them alike."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _fn in fns]
    end = time.perf_counter() + budget_s
    while not times[0] or (len(times[0]) < max_reps and time.perf_counter() < end):
        for fn, ts in zip(fns, times):
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
    return [statistics.median(ts) for ts in times]  # the median ignores the odd slow run (GC)
