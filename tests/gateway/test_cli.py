"""The commands a newcomer runs: `make demo` and `make run` (as their Python modules)."""

from __future__ import annotations

import asyncio
import re
import signal
import sys

import websockets

from local_gateway.settings import REPO_ROOT


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


async def test_cli_serves_until_sigterm_then_stops_cleanly() -> None:
    """`python -m local_gateway` prints how to connect, serves, and exits 0 on SIGTERM."""
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
        stderr=asyncio.subprocess.DEVNULL,
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
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(client.wait_closed(), 30)
        assert client.close_code == 1001
    rest, _ = await asyncio.wait_for(server.communicate(), 30)
    assert server.returncode == 0
    assert "Stopped." in rest.decode()
