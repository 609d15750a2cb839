"""Load: many concurrent connections, each sending numbered messages and awaiting each echo.

Every payload carries its connection and sequence number, so the run can show that each
message came back exactly once, to its own sender, and that none was lost or crossed.
Throughput and the gateway's peak memory are measured, not judged.

`python -m stress.load --connections 1000 --messages 100` runs the full size against a
fresh gateway (`make load`); tests/gateway/stress runs a smaller one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect

from tools.child_server import GatewayChildProcess, PeakSampler, raise_fd_limit

__all__ = ["LoadReport", "main", "run_load"]


@dataclass
class LoadReport:
    """What came back, per payload, and how fast."""

    sent: int = 0
    received: Counter[str] = field(default_factory=Counter)
    crossed: int = 0
    seconds: float = 0.0
    peak_rss_bytes: int = 0

    def lost(self, expected: set[str]) -> set[str]:
        """Payloads sent but never echoed."""
        return expected - set(self.received)

    def duplicated(self) -> dict[str, int]:
        """Payloads echoed more than once."""
        return {payload: n for payload, n in self.received.items() if n > 1}

    def summary(self) -> dict[str, object]:
        """The figures, ready for printing as JSON."""
        return {
            "messages_sent": self.sent,
            "echoes_received": sum(self.received.values()),
            "crossed": self.crossed,
            "duplicated": len(self.duplicated()),
            "seconds": round(self.seconds, 1),
            "messages_per_second": round(self.sent / self.seconds, 1) if self.seconds else None,
            "peak_gateway_rss_mb": self.peak_rss_bytes // 2**20,
        }


def payload(connection: int, sequence: int) -> str:
    """The unique text message number `sequence` of connection `connection`."""
    return json.dumps({"action": "load", "connection": connection, "sequence": sequence})


async def run_load(gateway: GatewayChildProcess, *, connections: int, messages: int) -> LoadReport:
    """Open `connections` at once; each sends `messages`, one at a time, awaiting its echo."""
    report = LoadReport()
    with PeakSampler(root=gateway.pid, interval=0.5) as sampler:
        await _exchange(gateway.websocket_url, report, connections=connections, messages=messages)
    report.peak_rss_bytes = sampler.peak
    return report


async def _exchange(url: str, report: LoadReport, *, connections: int, messages: int) -> None:
    sockets = await asyncio.gather(
        *(connect(url, ping_interval=None, open_timeout=300) for _ in range(connections))
    )

    async def talk(index: int) -> None:
        socket = sockets[index]
        for sequence in range(messages):
            await socket.send(payload(index, sequence))
            report.sent += 1
            echo = await asyncio.wait_for(socket.recv(), 60)
            report.received[echo] += 1
            report.crossed += json.loads(echo)["connection"] != index

    started = time.perf_counter()
    try:
        await asyncio.gather(*(talk(index) for index in range(connections)))
        report.seconds = time.perf_counter() - started
        # Anything still arriving now would be a duplicate or a stray.
        await asyncio.sleep(0.5)
        for index, socket in enumerate(sockets):
            while True:
                try:
                    extra = await asyncio.wait_for(socket.recv(), 0.01)
                except TimeoutError:
                    break
                report.received[extra] += 1
                report.crossed += json.loads(extra)["connection"] != index
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))


async def _main(connections: int, messages: int) -> None:
    raise_fd_limit()
    with GatewayChildProcess() as gateway:
        report = await run_load(gateway, connections=connections, messages=messages)
        expected = {payload(c, s) for c in range(connections) for s in range(messages)}
        summary = report.summary()
        summary["lost"] = len(report.lost(expected))
        summary["connections"] = connections
        print(json.dumps(summary, indent=2))
        if summary["lost"] or summary["duplicated"] or report.crossed:
            raise SystemExit("FAIL: a message was lost, duplicated or crossed")


def main(argv: list[str] | None = None) -> None:
    """`python -m stress.load`: load a fresh gateway and print the figures."""
    parser = argparse.ArgumentParser(prog="python -m stress.load", description=__doc__)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args(argv)
    asyncio.run(_main(args.connections, args.messages))


if __name__ == "__main__":
    main()
