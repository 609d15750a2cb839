"""The commands a newcomer runs: `make demo` and `make run` (as their Python modules)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Callable

import pytest
import websockets

from local_gateway.paths import REPO_ROOT


async def test_demo_prints_the_echo_and_exits_zero() -> None:
    """`python -m local_gateway.demo` round-trips one message and exits 0."""
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "local_gateway.demo",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(demo.communicate(), 60)
    assert demo.returncode == 0, err.decode()
    assert re.search(r"^echo: \{.*Hello from the local gateway", out.decode(), re.MULTILINE)


def _terminate(server: asyncio.subprocess.Process) -> None:
    """`kill PID`: SIGTERM to the gateway alone."""
    server.send_signal(signal.SIGTERM)


def _ctrl_c(server: asyncio.subprocess.Process) -> None:
    """A terminal's Ctrl-C: SIGINT to the gateway's whole process group."""
    os.killpg(server.pid, signal.SIGINT)


@pytest.mark.parametrize("stop", [_terminate, _ctrl_c], ids=["sigterm", "ctrl-c"])
async def test_cli_serves_until_stopped_then_disconnects_and_exits(
    stop: Callable[[asyncio.subprocess.Process], None],
) -> None:
    """`python -m local_gateway` prints how to connect, serves, and on SIGTERM or Ctrl-C
    closes each client with 1001, runs its `$disconnect`, and exits 0 with no traceback."""
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "local_gateway",
        "--port",
        "0",
        "--stage",
        "test",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    assert server.stdout is not None
    banner = ""
    while "Stop with Ctrl-C" not in banner:
        banner += (await asyncio.wait_for(server.stdout.readline(), 60)).decode()
    url = re.search(r"WebSocket API:\s+(ws://127\.0\.0\.1:\d+/test)", banner)
    assert url, banner
    assert f"python -m websockets {url.group(1)}" in banner
    async with websockets.connect(url.group(1)) as client:
        await client.send("via the CLI")
        assert await asyncio.wait_for(client.recv(), 10) == "via the CLI"
        stop(server)
        await asyncio.wait_for(client.wait_closed(), 30)
        assert client.close_code == 1001
    rest, err = await asyncio.wait_for(server.communicate(), 30)
    assert server.returncode == 0
    assert "Stopped." in rest.decode()
    log = err.decode()
    assert re.search(r"\[\$disconnect [^\]]+\].*Connection removed", log), log
    assert "Traceback" not in log, log
