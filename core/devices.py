"""The devices torch sees here, and what a matrix multiply runs at on each (GFLOP/s)."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import torch
from torch import Tensor

from core.graphs import median_seconds


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
            "cpu", cpu, f"{os.cpu_count()} logical cores; torch uses {torch.get_num_threads()} thread(s)"
        )
    ]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            out.append(
                DeviceInfo(
                    f"cuda:{i}", p.name, f"{p.total_memory / 2**30:.1f} GiB, {p.multi_processor_count} SMs"
                )
            )
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append(DeviceInfo("mps", "Apple GPU (Metal)", "unified memory"))
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


def matmul_gflops(
    device: str, sizes: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048), budget_s: float = 2.0
) -> list[tuple[int, float]]:
    """(n, GFLOP/s) of an n x n @ n x n float32 product (2 n^3 flops) per size, smallest first;
    sizes whose estimated time would overrun budget_s are left out."""
    g = torch.Generator().manual_seed(0)
    out: list[tuple[int, float]] = []
    start, rate = time.perf_counter(), 0.0
    for n in sizes:
        flops = 2 * n**3
        left = budget_s - (time.perf_counter() - start)
        if rate and 4 * flops / rate > left:  # warm-up + 3 repeats would not fit
            break
        a, b = (torch.randn(n, n, generator=g).to(device) for _ in range(2))

        def run(a: Tensor = a, b: Tensor = b) -> None:
            a @ b
            _sync(device)

        (secs,) = median_seconds(run, budget_s=min(0.3, left / 4), max_reps=20)
        rate = flops / secs
        out.append((n, rate / 1e9))
    return out
