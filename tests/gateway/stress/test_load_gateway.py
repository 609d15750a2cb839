"""Load scaled down for `make test` (100 connections x 10 messages); `make load`: 1,000 x 100."""

from __future__ import annotations

import json

import pytest

from stress.load import payload, run_load
from tools.child_server import GatewayChildProcess

CONNECTIONS = 100
MESSAGES = 10


@pytest.mark.timeout(300)
async def test_every_message_is_echoed_exactly_once_to_its_sender(
    gateway: GatewayChildProcess,
) -> None:
    """Concurrent connections: no message lost, duplicated or delivered to another client."""
    report = await run_load(gateway, connections=CONNECTIONS, messages=MESSAGES)
    print(json.dumps(report.summary(), indent=2))

    expected = {payload(c, s) for c in range(CONNECTIONS) for s in range(MESSAGES)}
    assert report.sent == CONNECTIONS * MESSAGES
    assert report.lost(expected) == set()
    assert report.duplicated() == {}
    assert set(report.received) == expected
    assert report.crossed == 0
