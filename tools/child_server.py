"""A server under test in a child process tree of its own, started as a user starts it,
and measured: the one helper of `bench/` (`make bench`) and `stress/` (`make fuzz`,
`make load`, and the tests in tests/gateway/stress).

A server is more than its first process: the gateway has worker processes, its
functions' execution environments, as many as invocations overlap (and its DynamoDB
runs inside it), serverless-offline runs handlers in worker threads or child
processes. Memory and CPU are summed over the whole tree, read from /proc (Linux), which
is what a user's machine pays, and apart from the client's own. Memory is reported two
ways: the sum of each process's RSS counts a page shared by several processes (the
gateway's execution environments are forks sharing boto3's pages copy-on-write) once in
each of them, so it overstates the tree; the sum of each process's PSS (proportional set
size: each page divided by the number of processes sharing it, `/proc/PID/smaps_rollup`,
https://docs.kernel.org/filesystems/proc.html) counts every page once, and is what the
tree costs the machine. Each server gets a
process group of its own (Ctrl-C on `make` reaches the driver, which stops the server)
and writes its output to a log file, which start-up watches for the line saying it
serves.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from local_gateway.contract import HASH_KEY
from local_gateway.paths import REPO_ROOT

__all__ = [
    "ChildServer",
    "GatewayChildProcess",
    "PeakSampler",
    "ServerError",
    "ServerSpec",
    "gateway_spec",
    "raise_fd_limit",
    "tree_cpu_seconds",
    "tree_pids",
    "tree_pss_bytes",
    "tree_rss_bytes",
    "wait_until_idle",
]

_PROC = Path("/proc")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server did not start, or could not be installed."""


@dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """How to start one server and recognise that it serves.

    Attributes:
        name: The server's name in reports and in its log file's name.
        command: The command line.
        cwd: Working directory of the command.
        ready: Matches the output line printed once the server serves.
        url: Finds the WebSocket URL clients connect to (its `url` group) in the output
            up to that line; `ready` itself when not given.
        environment: Added to this process's environment.
    """

    name: str
    command: list[str]
    cwd: Path
    ready: re.Pattern[str]
    url: re.Pattern[str] | None = None
    environment: Mapping[str, str] = field(default_factory=dict)


def gateway_spec(*extra_args: str) -> ServerSpec:
    """Our gateway as `make run` starts it, on a free port, with `extra_args` added."""
    return ServerSpec(
        name="gateway",
        command=[sys.executable, "-m", "local_gateway", "--port", "0", *extra_args],
        cwd=REPO_ROOT,
        ready=re.compile(r"^Stop with"),
        url=re.compile(r"WebSocket API:\s+(?P<url>ws://\S+)"),
        environment={"PYTHONUNBUFFERED": "1"},
    )


# -- The process tree, from /proc ---------------------------------------------------


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


def _pss_bytes(pid: int) -> int | None:
    """One process's PSS; None if it has ended."""
    try:
        text = (_PROC / str(pid) / "smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024  # in kB
    return None  # a kernel thread, or a process ending as we read


def tree_pss_bytes(root: int) -> int:
    """Proportional memory of the tree: the sum of each process's PSS, every page counted
    once however many processes share it.

    Raises:
        OSError: `/proc/PID/smaps_rollup` cannot be read (Linux before 4.14, or another
            user's process).
    """
    return sum(_pss_bytes(pid) or 0 for pid in tree_pids(root))


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

    A server still running `$disconnect` for the last clients' connections would steal
    the CPU the next measurement needs.
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
    """Samples the tree's memory on a thread, so the peak is seen while the client is busy.

    Args:
        root: The server's first process.
        interval: Seconds between samples.
        pss: Also sample the tree's PSS (slower to read than RSS).

    Attributes:
        peak: The highest sum of the tree's RSS seen, in bytes.
        peak_pss: The highest sum of its PSS seen (0 unless `pss`).
    """

    def __init__(self, *, root: int, interval: float = 0.05, pss: bool = False) -> None:
        self._root = root
        self._interval = interval
        self._pss = pss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak = 0
        self.peak_pss = 0

    def _sample(self) -> None:
        self.peak = max(self.peak, tree_rss_bytes(self._root))
        if self._pss:
            self.peak_pss = max(self.peak_pss, tree_pss_bytes(self._root))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def raise_fd_limit(wanted: int | None = None) -> int:
    """Raise this process's soft open-file limit to `wanted` (the hard limit when None,
    or when that is lower); children inherit it. Returns the soft limit now in force.

    A thousand connections need a thousand descriptors on each side, over the common
    soft default of 1024.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if wanted is None else wanted
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- The server ---------------------------------------------------------------------


class ChildServer:
    """A server started from `spec` as a child process tree, stopped as Ctrl-C would.

    Use it as a context manager: it serves inside the block.

    Args:
        spec: What to start and how to see that it serves.
        log_dir: Where its output goes (`<name>.log`); a temporary folder when None.
        timeout: Seconds it may take to start.
    """

    def __init__(self, spec: ServerSpec, *, log_dir: Path | None = None, timeout: float = 120):
        self.spec = spec
        self.name = spec.name
        self.url = ""
        self.output = ""
        self._log_dir = log_dir
        self._timeout = timeout
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The first process of the server's tree."""
        assert self._process is not None, "the server is not running"
        return self._process.pid

    @property
    def log(self) -> Path:
        """The file the server's output goes to."""
        if self._log_dir is None:
            self._temporary = self._temporary or tempfile.TemporaryDirectory(prefix="server-")
            self._log_dir = Path(self._temporary.name)
        return self._log_dir / f"{self.name}.log"

    def start(self) -> None:
        """Start the server and wait for its ready line.

        Raises:
            ServerError: It exited, or did not say it serves within the timeout.
        """
        log = self.log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as output:
            self._process = subprocess.Popen(
                self.spec.command,
                cwd=self.spec.cwd,
                env={**os.environ, **self.spec.environment},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: Ctrl-C on make goes to the driver
            )
        self.output = self._wait_ready(log)
        found = (self.spec.url or self.spec.ready).search(self.output)
        if found is None:
            raise self._failure("printed no URL", log)
        self.url = found["url"].rstrip("/")

    def _wait_ready(self, log: Path) -> str:
        """The output up to and including the ready line, once it appears."""
        assert self._process is not None
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            lines = log.read_text(errors="replace").splitlines()
            for index, line in enumerate(lines):
                if self.spec.ready.search(line):
                    return "\n".join(lines[: index + 1])
            if self._process.poll() is not None:
                break
            time.sleep(0.02)  # often: the bench times start-up through this wait
        raise self._failure("did not start", log)

    def _failure(self, what: str, log: Path) -> ServerError:
        """Stop the server; the error to raise, with the end of its output (a temporary
        log is removed with the server)."""
        tail = log.read_text(errors="replace")[-2000:]
        self.stop()
        return ServerError(f"{self.name} {what} ({log}):\n{tail}")

    def rss_bytes(self) -> int:
        """Resident memory of the server's whole tree."""
        return tree_rss_bytes(self.pid)

    def stop(self, timeout: float = 60) -> int:
        """Interrupt the server as Ctrl-C would; kill its process group if it hangs.

        Returns:
            Its exit code (0 when it was not running).
        """
        process, self._process = self._process, None
        code = 0
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
        if self._temporary is not None:
            self._temporary.cleanup()
            self._temporary, self._log_dir = None, None
        return code

    def __enter__(self) -> ChildServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _is_zygote(pid: int, *, parent: int) -> bool:
    """Whether `pid` is the gateway's zygote: its child running `local_gateway.zygote`
    (the environments forked from it share that command line, one level further down)."""
    try:
        command = (_PROC / str(pid) / "cmdline").read_bytes()
        return int(_stat_fields(pid)[1]) == parent and b"local_gateway.zygote" in command
    except (OSError, ValueError):
        return False  # ended while we looked


_DYNAMODB_LINE = re.compile(r"DynamoDB:\s+(http://\S+) \(table (\S+)\)")


class GatewayChildProcess(ChildServer):
    """The local gateway as a `ChildServer`, with its table and `@connections` at hand.

    Args:
        extra_args: More command-line options for the gateway.
        log_dir: Where its output goes; a temporary folder when None.
    """

    def __init__(self, *extra_args: str, log_dir: Path | None = None) -> None:
        super().__init__(gateway_spec(*extra_args), log_dir=log_dir)
        self.dynamodb_endpoint = ""
        self.table_name = ""

    def start(self) -> None:
        """Start the gateway and read its DynamoDB endpoint and table from its banner."""
        super().start()
        found = _DYNAMODB_LINE.search(self.output)
        if found is None:
            raise self._failure("printed no DynamoDB line", self.log)
        self.dynamodb_endpoint, self.table_name = found.groups()

    @property
    def websocket_url(self) -> str:
        """The stage's WebSocket URL clients connect to."""
        return self.url

    def environments(self) -> list[int]:
        """The execution environments alive now: every process below the gateway except
        its zygote, the process they are forked from (local_gateway/zygote.py), which
        lives as long as the gateway."""
        return [pid for pid in tree_pids(self.pid)[1:] if not _is_zygote(pid, parent=self.pid)]

    @property
    def management_url(self) -> str:
        """The `@connections` base URL, as boto3's `endpoint_url` wants it."""
        return "http" + self.url.removeprefix("ws")

    def _client(self, service: str, endpoint: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def record_ids(self) -> list[str]:
        """The connection id of every record in the connections table, duplicates kept."""
        pages = (
            self._client("dynamodb", self.dynamodb_endpoint)
            .get_paginator("scan")
            .paginate(TableName=self.table_name, ConsistentRead=True)
        )
        return [item[HASH_KEY]["S"] for page in pages for item in page["Items"]]

    def management_client(self) -> Any:
        """boto3's `apigatewaymanagementapi` client for this gateway."""
        return self._client("apigatewaymanagementapi", self.management_url)

    def __enter__(self) -> GatewayChildProcess:
        self.start()
        return self
