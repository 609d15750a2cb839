"""The memory figures of `make bench` and the stress runs count the whole process tree.

The gateway's functions run in worker processes below it (their execution environments),
so a figure of the gateway's own process alone would miss most of what the machine pays.
Those environments are forks sharing pages copy-on-write, which the sum of RSS counts
once per process; the sum of PSS counts each page once (proportional set size,
https://docs.kernel.org/filesystems/proc.html, "smaps_rollup").
"""

from __future__ import annotations

import os
import subprocess
import sys

from tools.child_server import tree_pids, tree_pss_bytes, tree_rss_bytes

_CHILD = "import sys; block = bytearray(64 * 2**20); sys.stdout.write('ready\\n'); "
_CHILD += "sys.stdout.flush(); sys.stdin.read()"


def test_tree_rss_includes_a_child_and_its_memory() -> None:
    """A child holding 64 MB raises this process tree's RSS by about that much."""
    before = tree_rss_bytes(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        assert child.pid in tree_pids(os.getpid())
        assert tree_rss_bytes(os.getpid()) - before >= 60 * 2**20
    finally:
        child.communicate("")


# 64 MB written, then a fork: parent and child share those pages until either writes.
_SHARING = (
    "import os, sys\n"
    "block = bytearray(64 * 2**20)\n"
    "if os.fork() == 0:\n"
    "    sys.stdin.read()\n"
    "    os._exit(0)\n"
    "sys.stdout.write('ready\\n')\n"
    "sys.stdout.flush()\n"
    "sys.stdin.read()\n"
    "os.wait()\n"
)
_MB = 2**20


def test_tree_pss_counts_pages_shared_by_a_fork_once_where_rss_counts_them_twice() -> None:
    """A child holding 64 MB forks a grandchild that shares them: the tree's RSS sum grows
    by twice that, its PSS sum by about once."""
    rss_before, pss_before = tree_rss_bytes(os.getpid()), tree_pss_bytes(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", _SHARING], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        assert len(tree_pids(child.pid)) == 2
        rss_grew = tree_rss_bytes(os.getpid()) - rss_before
        pss_grew = tree_pss_bytes(os.getpid()) - pss_before
        assert rss_grew >= 2 * 60 * _MB
        assert 60 * _MB <= pss_grew <= 90 * _MB
    finally:
        child.communicate("")
