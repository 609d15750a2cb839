"""What the client does to each server: latency, throughput, connect rate, mass connections.

Every server gets exactly the same client code and messages. A 100-byte JSON message
without an `action` takes the `$default` route (the echo) on the gateway and on the peer;
the raw server echoes anything. An echo counts only if it is the very message sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.stats import percentile
from tools.child_server import PeakSampler, tree_rss_bytes

__all__ = ["MESSAGE_BYTES", "connect_rate", "latency", "mass_connections", "message", "throughput"]

MESSAGE_BYTES = 100
_MB = 1024 * 1024
# Generous: a thousand `$connect` invocations queue behind each other on two cores.
_OPEN_TIMEOUT = 180
_ECHO_TIMEOUT = 60


def message(sequence: int) -> str:
    """A `MESSAGE_BYTES`-long JSON message that carries its sequence number.

    The number makes every message unique, so an echo sent to the wrong client or
    out of order does not count as one.
    """
    empty = json.dumps({"seq": sequence, "text": ""})
    return json.dumps({"seq": sequence, "text": "x" * (MESSAGE_BYTES - len(empty))})


def _connect(url: str) -> connect:
    """A client connection without compression, pings or proxies: just the frames."""
    return connect(
        url,
        compression=None,
        proxy=None,
        ping_interval=None,
        open_timeout=_OPEN_TIMEOUT,
        max_queue=None,
    )


async def _round_trip(client: ClientConnection, text: str) -> bool:
    """Send `text`, wait for the next frame, say whether it is the same message."""
    await client.send(text)
    echo = await asyncio.wait_for(client.recv(), _ECHO_TIMEOUT)
    return (echo.decode() if isinstance(echo, bytes) else echo) == text


async def latency(url: str, *, round_trips: int, warmup: int) -> dict[str, Any]:
    """Sequential round trips on one connection: p50, p95 and p99 in milliseconds."""
    samples: list[float] = []
    lost = 0
    async with _connect(url) as client:
        for sequence in range(warmup):
            await _round_trip(client, message(sequence))
        for sequence in range(round_trips):
            started = time.perf_counter()
            if await _round_trip(client, message(sequence)):
                samples.append((time.perf_counter() - started) * 1000)
            else:
                lost += 1
    return {
        "p50_ms": percentile(samples, 0.50),
        "p95_ms": percentile(samples, 0.95),
        "p99_ms": percentile(samples, 0.99),
        "mismatched": lost,
    }


async def throughput(url: str, *, connections: int, messages: int) -> dict[str, Any]:
    """Connections in parallel, each sending its messages one echo at a time: messages/s.

    Only the messages are timed; the connections are open before the clock starts.
    """

    async def one_client(client: ClientConnection, offset: int) -> int:
        results = [await _round_trip(client, message(offset + n)) for n in range(messages)]
        return sum(results)

    clients = [await _connect(url) for _ in range(connections)]
    try:
        started = time.perf_counter()
        echoed = await asyncio.gather(
            *(one_client(client, index * messages) for index, client in enumerate(clients))
        )
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return {"messages_per_s": sum(echoed) / elapsed, "echoed": sum(echoed)}


async def connect_rate(url: str, *, cycles: int) -> dict[str, Any]:
    """Open a connection, complete the handshake, close it; sequentially: cycles/s."""
    started = time.perf_counter()
    for _ in range(cycles):
        client = await _connect(url)
        await client.close()
    return {"cycles_per_s": cycles / (time.perf_counter() - started)}


async def _settled(tasks: list[Awaitable[Any]]) -> list[Any]:
    """Results of all tasks, with exceptions in place of failed ones."""
    return await asyncio.gather(*tasks, return_exceptions=True)


async def mass_connections(url: str, *, connections: int, server_pid: int) -> dict[str, Any]:
    """Open all connections at once, then one echo on each; the server tree's peak RSS."""
    baseline = tree_rss_bytes(server_pid)
    with PeakSampler(root=server_pid) as sampler:
        opened = await _settled([_connect(url) for _ in range(connections)])
        clients = [client for client in opened if isinstance(client, ClientConnection)]
        echoes = await _settled(
            [_round_trip(client, message(index)) for index, client in enumerate(clients)]
        )
        await _settled([client.close() for client in clients])
    return {
        "connections": connections,
        "opened": len(clients),
        "echoed": sum(1 for echo in echoes if echo is True),
        "baseline_rss_mb": baseline / _MB,
        "peak_rss_mb": sampler.peak / _MB,
    }
