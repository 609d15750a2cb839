"""Start each server under test on 127.0.0.1 as a child process, and stop it again.

Each server runs as its own process tree, started the way a user starts it, so its
memory can be read apart from the client's and no server shares the client's CPU time.
Output goes to a log file under `.build/bench/`, which the start-up watches for the line
that says the server is listening.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from local_gateway.settings import REPO_ROOT

__all__ = [
    "PEER_DIR",
    "RunningServer",
    "ServerError",
    "ServerSpec",
    "gateway_spec",
    "peer_spec",
    "peer_versions",
    "raw_spec",
    "running",
]

PEER_DIR = Path(__file__).resolve().parent / "peer"
_SERVERLESS = PEER_DIR / "node_modules" / ".bin" / "serverless"
_PEER_PACKAGES = ("serverless", "serverless-offline", "@aws-sdk/client-apigatewaymanagementapi")


class ServerError(RuntimeError):
    """A server did not start, or could not be installed."""


@dataclass(frozen=True, kw_only=True)
class ServerSpec:
    """How to start one server and recognise that it is ready.

    Attributes:
        name: The server's name in the report.
        command: The command line.
        cwd: Working directory of the command.
        ready: Matches the output line announcing the server; its `url` group is the
            WebSocket URL clients connect to.
        environment: Added to this process's environment.
    """

    name: str
    command: list[str]
    cwd: Path
    ready: re.Pattern[str]
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class RunningServer:
    """A started server: its URL and the first process of its tree."""

    name: str
    url: str
    pid: int


def gateway_spec() -> ServerSpec:
    """Our gateway, as `make run` starts it, on a free port."""
    return ServerSpec(
        name="gateway",
        command=[sys.executable, "-m", "local_gateway", "--port", "0"],
        cwd=REPO_ROOT,
        ready=re.compile(r"WebSocket API:\s+(?P<url>ws://\S+)"),
    )


def raw_spec() -> ServerSpec:
    """The raw aiohttp echo server, the limit of this machine and library."""
    return ServerSpec(
        name="raw",
        command=[sys.executable, "-m", "bench.raw_echo"],
        cwd=REPO_ROOT,
        ready=re.compile(r"^(?P<url>ws://\S+)"),
    )


def _free_port() -> int:
    """A port free right now; serverless-offline cannot bind port 0 and report it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _install_peer() -> None:
    """`npm ci` into bench/peer/node_modules (ignored by git) on first use.

    Raises:
        ServerError: npm is missing or the install failed.
    """
    if _SERVERLESS.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ServerError("PEER=1 needs Node.js 20+ and npm on PATH")
    print("Installing the peer (npm ci in bench/peer)...", flush=True)
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"], cwd=PEER_DIR, check=False, capture_output=True
    )
    if done.returncode != 0:
        raise ServerError(f"npm ci failed in {PEER_DIR}:\n{done.stderr.decode()[-2000:]}")


def peer_spec() -> ServerSpec:
    """serverless-offline serving bench/peer, offline: dummy credentials, no telemetry.

    Raises:
        ServerError: The peer could not be installed.
    """
    _install_peer()
    port = _free_port()
    return ServerSpec(
        name="peer",
        command=[
            str(_SERVERLESS),
            "offline",
            "--host",
            "127.0.0.1",
            "--websocketPort",
            str(port),
            # No HTTP events: these servers are not needed, 0 keeps them off fixed ports.
            "--httpPort",
            "0",
            "--lambdaPort",
            "0",
        ],
        cwd=PEER_DIR,
        ready=re.compile(r"Offline \[websocket\] listening on (?P<url>ws://\S+)"),
        environment={
            "MANAGEMENT_API_ENDPOINT": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "SLS_TELEMETRY_DISABLED": "1",
            "SLS_NOTIFICATIONS_MODE": "off",
            "SLS_DEPRECATION_DISABLE": "*",
        },
    )


def peer_versions() -> dict[str, str]:
    """The exact versions the peer ran with: Node.js and the installed npm packages."""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    versions = {"node": node.stdout.strip()}
    for package in _PEER_PACKAGES:
        manifest = PEER_DIR / "node_modules" / package / "package.json"
        versions[package] = json.loads(manifest.read_text())["version"]
    return versions


def _wait_ready(process: subprocess.Popen[bytes], spec: ServerSpec, log: Path, timeout: float):
    """The URL from the ready line, once it appears in the log.

    Raises:
        ServerError: The process exited or stayed silent for `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            match = spec.ready.search(line)
            if match:
                return match["url"].rstrip("/")
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise ServerError(f"{spec.name} did not start; its output is in {log}")


def _stop(process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Ask the server to stop as Ctrl-C would; kill its process group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running(spec: ServerSpec, *, log_dir: Path, timeout: float = 120) -> Iterator[RunningServer]:
    """Run the server for the duration of the block.

    Raises:
        ServerError: It did not start within `timeout` seconds.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{spec.name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env={**os.environ, **spec.environment},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: Ctrl-C on make goes to the bench only
        )
        try:
            url = _wait_ready(process, spec, log, timeout)
            yield RunningServer(name=spec.name, url=url, pid=process.pid)
        finally:
            _stop(process)
