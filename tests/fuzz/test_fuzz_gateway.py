"""10,000 random frames from 50 clients against the gateway as `make run` starts it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from stress.fuzz import check_records, run_fuzz
from stress.gateway import GatewayProcess, raise_fd_limit

FRAMES = 10_000
CLIENTS = 50
SEED = 5
# Handler processes keep caches and pools; a leak per connection or frame would show as
# hundreds of MB over this many.
RSS_GROWTH_LIMIT = 150 * 2**20


@pytest.fixture
def gateway() -> Iterator[GatewayProcess]:
    """A gateway in its own process tree, so its memory is measured apart from the clients."""
    raise_fd_limit()
    with GatewayProcess() as process:
        yield process


async def echo_once(url: str, text: str) -> str:
    """Connect, send one text message, return what comes back."""
    async with connect(url) as client:
        await client.send(text)
        return await asyncio.wait_for(client.recv(), 30)


@pytest.mark.timeout(300)
async def test_fuzzed_gateway_keeps_serving_with_exact_records_and_bounded_memory(
    gateway: GatewayProcess,
) -> None:
    """Afterwards a fresh client is served, one record per live client, none stale, RSS back."""
    assert await echo_once(gateway.websocket_url, "warm-up") == "warm-up"
    before = gateway.rss_bytes()

    report = await run_fuzz(gateway.websocket_url, frames=FRAMES, clients=CLIENTS, seed=SEED)
    check = await check_records(gateway, report.live)
    for live in report.live:
        await live.socket.close()
    summary = {**report.summary(), "records": check.records, "stale": len(check.stale)}
    print(json.dumps(summary, indent=2))

    assert sum(report.frames.values()) >= FRAMES
    assert report.reset > 0
    assert sum(report.closed_by_gateway.values()) > 0
    assert len(report.live) == CLIENTS
    assert check.stale == []
    assert check.tokens_per_live_client == [1] * CLIENTS
    assert await echo_once(gateway.websocket_url, "still here ✓") == "still here ✓"
    async with asyncio.timeout(60):
        while await asyncio.to_thread(gateway.record_ids):
            await asyncio.sleep(0.2)
    assert gateway.rss_bytes() - before < RSS_GROWTH_LIMIT
