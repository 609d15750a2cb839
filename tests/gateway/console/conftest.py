"""Fixtures for the console tests: a gateway with the module's default routes and limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio

from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings


@pytest_asyncio.fixture
async def console_service(source_dir: Path) -> AsyncIterator[GatewayService]:
    """A running gateway on a free port, serving the default routes and the console."""
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings) as running:
        yield running


class EventStream:
    """Reads Server-Sent Events (event name and JSON data) from an open response."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def next_event(self) -> tuple[str, str] | None:
        """The next event as (name, decoded data); None when the stream ends."""
        name, data = "message", None
        async for raw in self._response.content:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if data is not None:
                    return name, json.loads(data)
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = value
        return None

    async def until_line(self, needle: str) -> str:
        """Skip events until a log line containing `needle`; fail if the stream ends first."""
        while (event := await self.next_event()) is not None:
            if event[0] == "message" and needle in event[1]:
                return event[1]
        raise AssertionError(f"the log stream ended before a line with {needle!r}")
