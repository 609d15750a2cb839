"""Memory and CPU of a server's whole process tree, read from /proc.

A server is more than its first process: the gateway has one worker per route (and moto
runs inside it), serverless-offline runs handlers in worker threads or child processes.
Summing the tree counts them all, which is what a user's machine pays.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

__all__ = ["PeakSampler", "tree_cpu_seconds", "tree_pids", "tree_rss_bytes", "wait_until_idle"]

_PROC = Path("/proc")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (which may contain spaces)."""
    text = (_PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def tree_pids(root: int) -> list[int]:
    """`root` and every process descended from it that is still alive."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                parent = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError):
                continue  # ended while we looked
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def tree_rss_bytes(root: int) -> int:
    """Resident memory of the tree: the sum of each process's RSS."""
    total = 0
    for pid in tree_pids(root):
        try:
            resident_pages = int((_PROC / str(pid) / "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
        total += resident_pages * _PAGE_SIZE
    return total


def tree_cpu_seconds(root: int) -> float:
    """User plus system CPU time used so far by the tree's live processes."""
    ticks = 0
    for pid in tree_pids(root):
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / _TICKS


def wait_until_idle(
    root: int, *, busy_fraction: float = 0.05, interval: float = 0.5, timeout: float = 60
) -> bool:
    """Wait until the tree uses under `busy_fraction` of a core; False on timeout.

    A server still running `$disconnect` for the last test's connections would steal
    the CPU the next server's measurement needs.
    """
    deadline = time.monotonic() + timeout
    before = tree_cpu_seconds(root)
    while time.monotonic() < deadline:
        time.sleep(interval)
        after = tree_cpu_seconds(root)
        if after - before < busy_fraction * interval:
            return True
        before = after
    return False


class PeakSampler:
    """Samples the tree's RSS on a thread, so the peak is seen while the client is busy.

    Args:
        root: The server's first process.
        interval: Seconds between samples.
    """

    def __init__(self, *, root: int, interval: float = 0.05) -> None:
        self._root = root
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self._root))
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self._root))
