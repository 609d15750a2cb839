"""Where code passing locally used to fail on AWS: frames, subprotocols, event details.

Real WebSocket clients against a running gateway; the `record` handler writes every event
it gets to a file, so the tests compare what a function saw with API Gateway's events.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import websockets
from websockets.exceptions import ConnectionClosed

from local_gateway.contract import FRAME_BYTES, MESSAGE_BYTES
from local_gateway.routes import Route
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import sample_routes, until

_TRACE_ID = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$")


@pytest_asyncio.fixture
async def recording(source_dir: Path, tmp_path: Path) -> AsyncIterator[tuple[GatewayService, Path]]:
    """A gateway whose $connect, $disconnect and routes `5` and `true` record their events."""
    log = tmp_path / "events.jsonl"
    recorder = {"handler": "sample.handlers.record", "environment": {"RECORD_TO": str(log)}}
    routes = {
        **sample_routes(),
        "$connect": Route(
            key="$connect", handler=recorder["handler"], environment=recorder["environment"]
        ),
        "$disconnect": Route(
            key="$disconnect", handler=recorder["handler"], environment=recorder["environment"]
        ),
        "5": Route(key="5", two_way_response=True, **recorder),
        "true": Route(key="true", two_way_response=True, **recorder),
    }
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=routes) as service:
        yield service, log


def _events(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _of_type(log: Path, event_type: str) -> list[dict[str, Any]]:
    return [e for e in _events(log) if e["requestContext"]["eventType"] == event_type]


async def test_binary_frame_closes_1003(service: GatewayService) -> None:
    """A binary frame from a client closes the connection with 1003, as API Gateway does."""
    async with websockets.connect(service.websocket_url) as client:
        await client.send(b"\x00\x01binary")
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 10)
        assert client.close_code == 1003
    await until(lambda: len(service.core.connections) == 0)


async def test_single_frame_over_the_frame_quota_closes_1009(service: GatewayService) -> None:
    """One frame over the 32 KB frame quota closes with 1009, though the message is under 128 KB."""
    assert FRAME_BYTES < MESSAGE_BYTES
    async with websockets.connect(service.websocket_url, max_size=None) as client:
        await client.send("x" * (FRAME_BYTES + 1))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 10)
        assert client.close_code == 1009


async def test_fragmented_message_within_both_quotas_is_served(service: GatewayService) -> None:
    """A message of several frames, each within 32 KB, up to 128 KB in all, is echoed whole."""
    fragments = ["a" * FRAME_BYTES, "b" * FRAME_BYTES, "c" * 16]
    async with websockets.connect(service.websocket_url, max_size=None) as client:
        await client.send(fragments)
        assert await asyncio.wait_for(client.recv(), 10) == "".join(fragments)


async def test_fragmented_message_over_the_message_quota_closes_1009(
    service: GatewayService,
) -> None:
    """Frames each within 32 KB but over 128 KB together close the connection with 1009."""
    fragments = ["y" * FRAME_BYTES] * (MESSAGE_BYTES // FRAME_BYTES) + ["y"]
    async with websockets.connect(service.websocket_url, max_size=None) as client:
        await client.send(fragments)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 10)
        assert client.close_code == 1009


async def test_subprotocol_returned_by_connect_is_in_the_101(source_dir: Path) -> None:
    """The 101 carries the Sec-WebSocket-Protocol $connect returned; without it, none."""
    routes = {
        **sample_routes(),
        "$connect": Route(key="$connect", handler="sample.handlers.subprotocol"),
    }
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=routes) as service:
        async with websockets.connect(
            service.websocket_url, subprotocols=["chat1", "myprotocol"]
        ) as client:
            assert client.subprotocol == "myprotocol"
            assert client.response.headers["Sec-WebSocket-Protocol"] == "myprotocol"
            await client.send("hi")
            assert await asyncio.wait_for(client.recv(), 10) == "hi"
        # $connect returns no header: the handshake completes without one, as on AWS.
        async with websockets.connect(service.websocket_url, subprotocols=["chat1"]) as client:
            assert client.subprotocol is None
            assert "Sec-WebSocket-Protocol" not in client.response.headers


async def test_connect_event_has_api_gateway_headers_and_request_ids(
    recording: tuple[GatewayService, Path],
) -> None:
    """$connect sees Host, X-Forwarded-*, X-Amzn-Trace-Id; requestId equals extendedRequestId."""
    service, log = recording
    async with websockets.connect(service.websocket_url) as client:
        await client.send(json.dumps({"action": 5}))
        assert await asyncio.wait_for(client.recv(), 10) == "5"
    await until(lambda: len(_of_type(log, "DISCONNECT")) == 1)
    (connect,) = _of_type(log, "CONNECT")
    headers = connect["headers"]
    assert headers["Host"] == f"127.0.0.1:{service.port}"
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Forwarded-Port"] == str(service.port)
    assert _TRACE_ID.match(headers["X-Amzn-Trace-Id"])
    assert connect["multiValueHeaders"] == {name: [value] for name, value in headers.items()}
    for event in _events(log):
        context = event["requestContext"]
        assert context["requestId"] == context["extendedRequestId"]


async def test_disconnect_event_has_headers_and_1005_without_status(
    recording: tuple[GatewayService, Path],
) -> None:
    """A close frame without a status is 1005 "Client-side close frame status not set"; headers."""
    service, log = recording
    client = await websockets.connect(service.websocket_url)
    await client.close(code=None)  # type: ignore[arg-type]  # an empty close frame
    await until(lambda: len(_of_type(log, "DISCONNECT")) == 1)
    (disconnect,) = _of_type(log, "DISCONNECT")
    context = disconnect["requestContext"]
    assert context["disconnectStatusCode"] == 1005
    assert context["disconnectReason"] == "Client-side close frame status not set"
    # No handshake to copy a Host from: the API's domain, the events' domainName (the
    # TLS listener's host:port, so https://{domainName}/{stage} reaches @connections).
    assert context["domainName"] == service.domain_name
    assert disconnect["headers"] == {
        "Host": service.domain_name,
        "x-api-key": "",
        "X-Forwarded-For": "",
        "x-restapi": "",
    }
    assert disconnect["multiValueHeaders"] == {
        name: [value] for name, value in disconnect["headers"].items()
    }


async def test_route_selection_result_is_stringified(
    recording: tuple[GatewayService, Path],
) -> None:
    """`{"action": 5}` selects route `5`, `{"action": true}` route `true`; null goes to $default."""
    service, log = recording
    async with websockets.connect(service.websocket_url) as client:
        await client.send('{"action": 5}')
        assert await asyncio.wait_for(client.recv(), 10) == "5"
        await client.send('{"action": true}')
        assert await asyncio.wait_for(client.recv(), 10) == "true"
        await client.send('{"action": null}')
        assert await asyncio.wait_for(client.recv(), 10) == '{"action": null}'
    routes = [e["requestContext"]["routeKey"] for e in _of_type(log, "MESSAGE")]
    assert routes == ["5", "true"]
