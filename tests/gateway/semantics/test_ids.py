"""Connection ids: shaped like API Gateway's and usable as an `@connections/{id}` path segment."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest
import websockets

from local_gateway import registry
from local_gateway.service import GatewayService
from tests.gateway.conftest import management_client, until

# 11 random bytes whose standard base64 has both `+` and `/`: "+/+/+/+/+/+/+/8=".
_SLASH_AND_PLUS = bytes.fromhex("fbffbffbffbffbffbffbff")


def test_ids_are_url_safe_and_shaped_like_aws() -> None:
    """Every generated id is 16 characters of the URL-safe alphabet, ending in `=`."""
    ids = {registry.new_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{15}=", connection_id) for connection_id in ids)


async def test_management_api_serves_ids_that_standard_base64_would_break(
    service: GatewayService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST, GET and DELETE through boto3 reach a connection whose id bytes encode to `+/`."""
    # Only the registry's randomness is fixed: the WebSocket client needs real random keys.
    monkeypatch.setattr(
        registry, "secrets", SimpleNamespace(token_bytes=lambda _n: _SLASH_AND_PLUS)
    )
    api = management_client(service)
    async with websockets.connect(service.websocket_url) as client:
        await until(lambda: len(service.core.connections) == 1)
        (connection,) = service.core.connections
        connection_id = connection.connection_id
        assert connection_id == "-_-_-_-_-_-_-_8="
        await asyncio.to_thread(api.post_to_connection, ConnectionId=connection_id, Data=b"hi")
        assert await asyncio.wait_for(client.recv(), 10) == "hi"
        info = await asyncio.to_thread(api.get_connection, ConnectionId=connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        await asyncio.to_thread(api.delete_connection, ConnectionId=connection_id)
        await asyncio.wait_for(client.wait_closed(), 10)
    assert client.close_code == 1000
