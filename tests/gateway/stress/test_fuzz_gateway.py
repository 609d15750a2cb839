"""10,000 random frames from 50 clients against the gateway as `make run` starts it."""

from __future__ import annotations

import json

import pytest

from stress.fuzz import check_records, echo_once, run_fuzz, settled_rss
from tools.child_server import GatewayChildProcess

FRAMES = 10_000
CLIENTS = 50
SEED = 5
# The first run raises the gateway's high-water marks (aiohttp's buffers for frames up to
# past 128 KB) by tens of MB; a leak per connection or frame would show as hundreds of MB,
# and again in a second run of the same size. Memory is compared once every execution
# environment has ended (`settled_rss`): they come and go with the traffic.
RSS_GROWTH_LIMIT = 150 * 2**20
RSS_GROWTH_LIMIT_SECOND_RUN = 40 * 2**20


@pytest.mark.timeout(300)
async def test_fuzzed_gateway_keeps_serving_with_exact_records_and_memory_levelling_off(
    gateway: GatewayChildProcess,
) -> None:
    """Afterwards a fresh client is served, one record per live client, none stale, RSS back;
    a second 10,000-frame run adds little memory: what the first added is no leak."""
    assert await echo_once(gateway.websocket_url, "warm-up") == "warm-up"
    before = await settled_rss(gateway)

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
    after_first = await settled_rss(gateway)
    assert after_first - before < RSS_GROWTH_LIMIT

    second = await run_fuzz(gateway.websocket_url, frames=FRAMES, clients=CLIENTS, seed=SEED + 1)
    for live in second.live:
        await live.socket.close()
    after_second = await settled_rss(gateway)
    print({"rss_mb_after_each_run": [after_first // 2**20, after_second // 2**20]})
    assert after_second - after_first < RSS_GROWTH_LIMIT_SECOND_RUN
