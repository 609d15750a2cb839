"""The servers the benchmark compares with the gateway: how to start each one.

They run through `tools.child_server`, as the gateway does (see `gateway_spec` there):
each as a process tree of its own, started the way a user starts it, with its output
in a log file under `.build/bench/`.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from local_gateway.paths import REPO_ROOT
from tools.child_server import ServerError, ServerSpec

__all__ = ["PEER_DIR", "peer_spec", "peer_versions", "raw_spec"]

PEER_DIR = Path(__file__).resolve().parent / "peer"
_SERVERLESS = PEER_DIR / "node_modules" / ".bin" / "serverless"
_PEER_PACKAGES = ("serverless", "serverless-offline", "@aws-sdk/client-apigatewaymanagementapi")


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
