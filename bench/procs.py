"""What a served app costs the machine, read from /proc: CPU seconds and memory (RSS, PSS) of a
process and every process under it (the server, the fork server, the training workers). Used by
bench/load.py and bench/page_views.py."""

from __future__ import annotations

import os
import threading
import time

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


def own_cpu_seconds(pid: int) -> float:
    """User + system CPU of the process alone (the server's page work: its training is in the
    workers, its children)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its workers together, in MB (shared pages counted once
    per process that maps them)."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
    return total / 1024


def pss_mb(pid: int) -> float:
    """Proportional memory of the server and its workers together, in MB: each shared page split
    among the processes that map it, so the sum is what they hold together."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(ln.split()[1]) for ln in fh if ln.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total / 1024


class Peak(threading.Thread):
    """Samples a process tree's RSS every 0.2 s and its PSS once a second or when the RSS reached
    a new high (by `GROWTH_MB` since PSS was last read); `.rss` and `.pss` are the largest seen,
    `.cpu` the CPU seconds the sampling took. PSS means walking every page of the server's 2 GB
    (38 ms a read, here): read every 0.2 s it took a fifth of a core beside the server it measures,
    a tenth of what 30 visitors cost the server."""

    GROWTH_MB = 8.0
    PSS_EVERY_S = 1.0

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss, self.pss, self.cpu, self.done = pid, 0.0, 0.0, 0.0, threading.Event()

    def run(self) -> None:
        start, read_at, read_rss = time.thread_time(), -1e9, -1e9
        while not self.done.wait(0.2):
            rss = rss_mb(self.pid)
            self.rss = max(self.rss, rss)
            now = time.monotonic()
            if rss >= read_rss + self.GROWTH_MB or now - read_at >= self.PSS_EVERY_S:
                self.pss = max(self.pss, pss_mb(self.pid))
                read_at, read_rss = now, max(read_rss, rss)
        self.cpu = time.thread_time() - start
