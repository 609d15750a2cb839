"""What the client does to each server: latency, throughput, connect rate, mass connections,
and, on the gateway alone, its own overhead, scale-out and start-up time.

Every server gets exactly the same client code and messages. A 100-byte JSON message
without an `action` takes the `$default` route (the echo) on the gateway and on the peer;
the raw server echoes anything. An echo counts only if it is the very message sent.
The gateway-only workloads use the two-way routes of `bench/routes.json` (`noop`, `nap`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.handlers_src.bench_handlers.handlers import NAP_SECONDS
from bench.stats import percentile
from tools.child_server import (
    ChildServer,
    PeakSampler,
    ServerSpec,
    tree_pss_bytes,
    tree_rss_bytes,
)

__all__ = [
    "MESSAGE_BYTES",
    "connect_rate",
    "latency",
    "mass_connections",
    "message",
    "scale_out",
    "start_up",
    "throughput",
]

MESSAGE_BYTES = 100
_MB = 1024 * 1024
# Generous: a thousand `$connect` invocations queue behind each other on two cores.
_OPEN_TIMEOUT = 180
_ECHO_TIMEOUT = 60
# Untimed bursts of the scale-out workload, enough for its environments to start.
_SCALE_OUT_WARMUPS = 3


def message(sequence: int, action: str | None = None) -> str:
    """A `MESSAGE_BYTES`-long JSON message that carries its sequence number.

    The number makes every message unique, so an echo sent to the wrong client or
    out of order does not count as one. With `action`, the message selects that route.
    """
    fields: dict[str, Any] = {"action": action} if action else {}
    empty = json.dumps({**fields, "seq": sequence, "text": ""})
    return json.dumps({**fields, "seq": sequence, "text": "x" * (MESSAGE_BYTES - len(empty))})


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


async def latency(
    url: str, *, round_trips: int, warmup: int, action: str | None = None
) -> dict[str, Any]:
    """Sequential round trips on one connection: p50, p95 and p99 in milliseconds.

    With `action` (the gateway's `noop` route) the messages take that route.
    """
    samples: list[float] = []
    lost = 0
    async with _connect(url) as client:
        for sequence in range(warmup):
            await _round_trip(client, message(sequence, action))
        for sequence in range(round_trips):
            started = time.perf_counter()
            if await _round_trip(client, message(sequence, action)):
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
    """Open all connections at once, then one echo on each; the server tree's peak memory,
    as the sum of its processes' PSS (each shared page once) and of their RSS."""
    baseline, baseline_pss = tree_rss_bytes(server_pid), tree_pss_bytes(server_pid)
    with PeakSampler(root=server_pid, pss=True) as sampler:
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
        "baseline_pss_mb": baseline_pss / _MB,
        "peak_pss_mb": sampler.peak_pss / _MB,
    }


async def scale_out(url: str, *, connections: int) -> dict[str, Any]:
    """One `nap` message (200 ms of waiting) on each connection at once: how many naps long.

    Untimed bursts first let the gateway start its execution environments (a function
    has one cold start under way at a time); the last burst is timed. Invocations
    running side by side take about one nap; queued, one nap per message.
    """
    clients = [await _connect(url) for _ in range(connections)]
    try:

        async def burst(offset: int) -> tuple[int, float]:
            started = time.perf_counter()
            echoed = await asyncio.gather(
                *(
                    _round_trip(client, message(offset + index, "nap"))
                    for index, client in enumerate(clients)
                )
            )
            return sum(echoed), time.perf_counter() - started

        for warmup in range(_SCALE_OUT_WARMUPS):
            await burst(warmup * connections)
        echoed, elapsed = await burst(_SCALE_OUT_WARMUPS * connections)
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return {"connections": connections, "echoed": echoed, "naps": elapsed / NAP_SECONDS}


async def start_up(spec: ServerSpec) -> dict[str, Any]:
    """Start another instance of the server: seconds until its first connection is open.

    The clock runs from starting the command to the completed handshake, so it covers
    the interpreter, the imports, the handlers' start-up check and `$connect`.
    """
    server = ChildServer(spec)
    started = time.perf_counter()
    try:
        await asyncio.to_thread(server.start)
        async with _connect(server.url):
            elapsed = time.perf_counter() - started
    finally:
        await asyncio.to_thread(server.stop)
    return {"first_connection_s": elapsed}
