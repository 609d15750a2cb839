"""Fuzz the gateway with random frames from many clients, some of which drop rudely.

Every frame's type, size, encoding and JSON shape comes from one seeded generator per
client, so a failing run is reproduced by its seed. Each connection sends a random
number of frames and then ends in one of three ways: a close frame, a TCP reset
without one, or (for the last connection of each client) not at all, staying live.
Binary frames, frames over 32 KB, and text frames that are not UTF-8 make the gateway
close the connection itself, as API Gateway would; the connections kept live are never
sent those.

`python -m stress.fuzz --frames 10000` runs it against a fresh gateway and prints the
report; tests/gateway/stress runs it too and checks the same things.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from local_gateway.contract import FRAME_BYTES, MESSAGE_BYTES
from tools.child_server import GatewayChildProcess, raise_fd_limit

__all__ = [
    "FuzzReport",
    "LiveClient",
    "RecordCheck",
    "check_records",
    "echo_once",
    "main",
    "run_fuzz",
    "wait_until_no_records",
]

_MAX_FRAMES_PER_CONNECTION = 60


def _unicode(rng: random.Random, length: int) -> str:
    """Random text from several scripts and emoji; never a lone surrogate."""
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x4E00, 0x4FFF), (0x1F300, 0x1F5FF)]
    low, high = rng.choice(ranges)
    return "".join(chr(rng.randint(low, high)) for _ in range(length))


def _size(rng: random.Random) -> int:
    """Mostly small, sometimes empty, sometimes around and past the 128 KB quota."""
    roll = rng.random()
    if roll < 0.05:
        return 0
    if roll < 0.92:
        return rng.randint(1, 512)
    if roll < 0.97:
        return rng.randint(512, MESSAGE_BYTES)
    return rng.randint(MESSAGE_BYTES - 16, MESSAGE_BYTES + 8 * 1024)


def _json_text(rng: random.Random, size: int) -> tuple[str, str]:
    shape = rng.choice(["action", "no-action", "array", "invalid", "nested"])
    filler = _unicode(rng, max(size // 4, 0))
    if shape == "action":
        action = rng.choice(["$default", "$connect", "$disconnect", "sendmessage", filler[:8]])
        return shape, json.dumps({"action": action, "data": filler})
    if shape == "no-action":
        return shape, json.dumps({"data": filler, "n": rng.random()})
    if shape == "array":
        return shape, json.dumps([filler, {"action": "x"}, None])
    if shape == "nested":
        return shape, json.dumps({"action": {"action": filler}})
    return shape, "{" + filler + '"action": '


def random_frame(rng: random.Random) -> tuple[str, str | bytes, bool]:
    """One frame: its kind (for the report), its payload, and whether to send it as text.

    A payload of bytes sent as text is a text frame that is not UTF-8.
    """
    size = _size(rng)
    roll = rng.random()
    if roll < 0.35:
        shape, text = _json_text(rng, size)
        return f"text/json-{shape}", text, True
    if roll < 0.55:
        return "text/unicode", _unicode(rng, size // 3), True
    if roll < 0.65:
        return "text/ascii", "a" * size, True
    if roll < 0.80:
        return "binary/utf-8", _unicode(rng, size // 3).encode("utf-8"), False
    if roll < 0.99:
        return "binary/invalid-utf-8", b"\xff\xfe" + rng.randbytes(size), False
    return "text/invalid-utf-8", b"\xc3\x28" + rng.randbytes(min(size, 64)), True


def _ends_connection(payload: str | bytes) -> bool:
    """Whether the gateway closes a connection for this frame.

    Bytes are a binary frame (1003) or, sent as text, a frame that is not UTF-8; a text
    frame over the frame quota closes with 1009.
    """
    if isinstance(payload, bytes):
        return True
    return len(payload.encode("utf-8")) > FRAME_BYTES


@dataclass
class LiveClient:
    """A connection left open, and every frame it received."""

    socket: ClientConnection
    received: list[str | bytes] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None


@dataclass
class FuzzReport:
    """What a fuzz run sent and how its connections ended."""

    frames: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    closed_cleanly: int = 0
    reset: int = 0
    closed_by_gateway: Counter[int] = field(default_factory=Counter)
    frames_received: int = 0
    live: list[LiveClient] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """The counts, ready for printing as JSON."""
        return {
            "frames_sent": sum(self.frames.values()),
            "frames_by_kind": dict(sorted(self.frames.items())),
            "connections": self.connections,
            "closed_with_close_frame": self.closed_cleanly,
            "abrupt_tcp_resets": self.reset,
            "closed_by_gateway_by_code": dict(self.closed_by_gateway),
            "live_at_end": len(self.live),
            "frames_received": self.frames_received,
        }


async def _read(client: LiveClient, report: FuzzReport) -> None:
    """Keep a connection's receive buffer drained, recording what arrives."""
    try:
        async for message in client.socket:
            client.received.append(message)
            report.frames_received += 1
    except ConnectionClosed:
        pass


def _reset(socket_: ClientConnection) -> None:
    """Drop the TCP connection with a RST: no close frame, no FIN."""
    raw = socket_.transport.get_extra_info("socket")
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    socket_.transport.abort()


async def _one_connection(
    url: str, rng: random.Random, report: FuzzReport, take: Callable[[], bool], keep: bool
) -> None:
    """Open a connection, send frames while the budget lasts, then end it somehow."""
    client = LiveClient(await connect(url, max_size=None, ping_interval=None, open_timeout=60))
    report.connections += 1
    client.reader = asyncio.create_task(_read(client, report))
    try:
        for _ in range(rng.randint(1, _MAX_FRAMES_PER_CONNECTION)):
            if not take():
                break
            kind, payload, as_text = random_frame(rng)
            while keep and _ends_connection(payload):
                kind, payload, as_text = random_frame(rng)
            await client.socket.send(payload, text=as_text)
            report.frames[kind] += 1
    except ConnectionClosed:
        pass
    if client.socket.close_code is not None or client.reader.done():
        await client.reader
        received = client.socket.protocol.close_rcvd
        report.closed_by_gateway[received.code if received else 1006] += 1
    elif keep:
        report.live.append(client)
    elif rng.random() < 0.5:
        _reset(client.socket)
        report.reset += 1
        await client.reader
    else:
        await client.socket.close()
        report.closed_cleanly += 1
        await client.reader


async def run_fuzz(url: str, *, frames: int, clients: int, seed: int) -> FuzzReport:
    """Send `frames` random frames from `clients` concurrent clients; leave some live."""
    report = FuzzReport()
    budget = [frames]

    def take() -> bool:
        budget[0] -= 1
        return budget[0] >= 0

    async def client(index: int) -> None:
        rng = random.Random(f"{seed}/{index}")
        while budget[0] > 0:
            await _one_connection(url, rng, report, take, keep=False)
        await _one_connection(url, rng, report, lambda: True, keep=True)

    await asyncio.gather(*(client(index) for index in range(clients)))
    return report


@dataclass
class RecordCheck:
    """How the connections table matched the live clients after a run.

    Every record's connection is sent a token through `@connections`: a record of an
    ended connection answers 410 (stale); every live client must get exactly one token.
    """

    records: int
    stale: list[str]
    tokens_per_live_client: list[int]

    def ok(self) -> bool:
        """No stale record and exactly one record per live client."""
        return not self.stale and all(count == 1 for count in self.tokens_per_live_client)


async def check_records(
    gateway: GatewayChildProcess, live: list[LiveClient], *, settle_seconds: float = 60
) -> RecordCheck:
    """Wait (bounded) for `$disconnect` of ended connections, then match records to clients."""
    async with asyncio.timeout(settle_seconds):
        while len(ids := await asyncio.to_thread(gateway.record_ids)) > len(live):
            await asyncio.sleep(0.2)
    api = gateway.management_client()
    stale = []
    for connection_id in ids:
        try:
            await asyncio.to_thread(
                api.post_to_connection,
                ConnectionId=connection_id,
                Data=b"token:" + connection_id.encode(),
            )
        except api.exceptions.GoneException:
            stale.append(connection_id)

    def tokens(client: LiveClient) -> int:
        return sum(1 for frame in client.received if str(frame).startswith("token:"))

    expected = len(ids) - len(stale)
    async with asyncio.timeout(settle_seconds):
        while sum(tokens(client) for client in live) < expected:
            await asyncio.sleep(0.05)
    return RecordCheck(
        records=len(ids), stale=stale, tokens_per_live_client=[tokens(c) for c in live]
    )


async def echo_once(url: str, text: str) -> str:
    """Connect, send one text message, return what comes back."""
    async with connect(url) as client:
        await client.send(text)
        return await asyncio.wait_for(client.recv(), 30)


async def wait_until_no_records(gateway: GatewayChildProcess, timeout: float = 60) -> None:
    """Wait until every closed connection's `$disconnect` has removed its record."""
    async with asyncio.timeout(timeout):
        while await asyncio.to_thread(gateway.record_ids):
            await asyncio.sleep(0.2)


# Execution environments come and go with the traffic, tens of MB each; with idle ones
# ending after a second, memory is compared once they are all gone: the gateway alone.
GATEWAY_ARGS = ("--idle-environment-seconds", "1")


async def settled_rss(gateway: GatewayChildProcess, timeout: float = 60) -> int:
    """The tree's RSS once every record is gone and every execution environment has ended.

    The gateway must run with `GATEWAY_ARGS`.
    """
    await wait_until_no_records(gateway, timeout)
    async with asyncio.timeout(timeout):
        while await asyncio.to_thread(gateway.environments):
            await asyncio.sleep(0.2)
    return gateway.rss_bytes()


async def _main(frames: int, clients: int, seed: int) -> None:
    raise_fd_limit()
    with GatewayChildProcess(*GATEWAY_ARGS) as gateway:
        # Warm: every route has run, and made its first AWS call, in some environment.
        await echo_once(gateway.websocket_url, "warm-up")
        before = await settled_rss(gateway)
        report = await run_fuzz(gateway.websocket_url, frames=frames, clients=clients, seed=seed)
        summary = report.summary()
        check = await check_records(gateway, report.live)
        summary["records"] = check.records
        summary["stale_records"] = len(check.stale)
        summary["live_clients_with_exactly_one_record"] = check.tokens_per_live_client.count(1)
        for live in report.live:
            await live.socket.close()
        summary["gateway_rss_mb"] = {
            "warm_before": before // 2**20,
            "after_all_closed": await settled_rss(gateway) // 2**20,
        }
        print(json.dumps(summary, indent=2))
        if not check.ok():
            raise SystemExit("FAIL: records do not match the live connections")


def main(argv: list[str] | None = None) -> None:
    """`python -m stress.fuzz`: fuzz a fresh gateway and print the counts."""
    parser = argparse.ArgumentParser(prog="python -m stress.fuzz", description=__doc__)
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    asyncio.run(_main(args.frames, args.clients, args.seed))


if __name__ == "__main__":
    main()
