"""Faults through the local gateway, seen by a real WebSocket client.

A route's `environment` is laid over the gateway's, so pointing one function's DynamoDB
endpoint at a closed port makes DynamoDB unavailable to that function alone. A handler
that raises is covered in tests/gateway/semantics/test_end_to_end.py
(test_handler_error_frame_and_connection_stays_open), the management API's 410 for an
unknown id in test_management_api_through_boto3 there.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import InvalidStatus

from local_gateway.routes import Route, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import until


def records(service: GatewayService) -> dict[str, dict]:
    """The connections table's items, by connection id."""
    items = service.dynamodb.client().scan(TableName=service.settings.table_name)["Items"]
    return {item["connectionId"]["S"]: item for item in items}


def gateway_with(source_dir: Path, **routes: Route) -> GatewayService:
    """A gateway on a free port serving the default routes with `routes` laid over them."""
    settings = GatewaySettings(port=0, source_dir=source_dir)
    return GatewayService(settings=settings, routes={**load_routes(), **routes})


def unreachable(key: str, handler: str, endpoint: str) -> Route:
    """The default route `key`, with its function's DynamoDB endpoint at `endpoint`."""
    return Route(key=key, handler=handler, environment={"AWS_ENDPOINT_URL_DYNAMODB": endpoint})


class Console:
    """Everything the worker processes wrote to stderr so far, read without losing any."""

    def __init__(self, capfd: pytest.CaptureFixture[str]) -> None:
        self._capfd = capfd
        self.text = ""

    def has(self, fragment: str) -> bool:
        self.text += self._capfd.readouterr().err
        return fragment in self.text


async def test_connect_with_dynamodb_down_fails_the_handshake_with_500(
    source_dir: Path, closed_endpoint: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """DynamoDB unreachable on $connect: the client's handshake gets 500, nothing is stored."""
    route = unreachable("$connect", "websocket_handlers.connect.handler", closed_endpoint)
    console = Console(capfd)
    async with gateway_with(source_dir, **{"$connect": route}) as service:
        with pytest.raises(InvalidStatus) as rejected:
            await websockets.connect(service.websocket_url)
        assert rejected.value.response.status_code == 500
        assert len(service.core.connections) == 0
        assert await asyncio.to_thread(records, service) == {}
        await until(lambda: console.has("rejecting the handshake"))


async def test_disconnect_with_dynamodb_down_is_logged_and_keeps_the_record_for_ttl(
    source_dir: Path, closed_endpoint: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """DynamoDB unreachable on $disconnect: logged, gateway serves on, record kept for TTL."""
    route = unreachable("$disconnect", "websocket_handlers.disconnect.handler", closed_endpoint)
    console = Console(capfd)
    async with gateway_with(source_dir, **{"$disconnect": route}) as service:
        async with websockets.connect(service.websocket_url):
            await until(lambda: len(service.core.connections) == 1)
            (connection_id,) = [c.connection_id for c in service.core.connections]
        await until(lambda: console.has("Could not delete the connection"), timeout=30)
        record = (await asyncio.to_thread(records, service))[connection_id]
        assert int(record["ttl"]["N"]) > time.time()
        async with websockets.connect(service.websocket_url) as fresh:
            await fresh.send("still serving")
            assert await asyncio.wait_for(fresh.recv(), 10) == "still serving"


async def test_handler_timeout_sends_the_error_frame_and_keeps_the_connection(
    source_dir: Path, tmp_path: Path
) -> None:
    """A route past its timeout answers API Gateway's error, and Lambda discards the
    environment: it never finishes its work (tests/gateway/semantics/test_execution_model.py
    shows the process tree killed)."""
    marker = tmp_path / "finished"
    slow = Route(
        key="overrun",
        handler="faulty.handlers.overrun",
        timeout=1,
        two_way_response=True,
        environment={"FINISHED_MARKER": str(marker)},
    )
    async with (
        gateway_with(source_dir, overrun=slow) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        await client.send(json.dumps({"action": "overrun"}))
        error = json.loads(await asyncio.wait_for(client.recv(), 10))
        assert error["message"] == "Internal server error"
        assert error["connectionId"] in {c.connection_id for c in service.core.connections}
        assert error["requestId"]
        tag = f"[overrun {error['connectionId']}]"
        assert f"{tag} Task timed out after 1.00 seconds" in service.console_log.recent()
        assert service.invoker is not None
        await until(lambda: service.invoker.pool("overrun").environments == [])
        await client.send("after the timeout")
        assert await asyncio.wait_for(client.recv(), 10) == "after the timeout"
        assert not marker.exists()  # the handler was stopped, not left running


async def test_connect_timeout_fails_the_handshake_with_500(
    source_dir: Path, tmp_path: Path
) -> None:
    """A $connect past its timeout rejects the handshake with 500, as a raised error does."""
    slow = Route(
        key="$connect",
        handler="faulty.handlers.overrun",
        timeout=1,
        environment={"FINISHED_MARKER": str(tmp_path / "finished")},
    )
    async with gateway_with(source_dir, **{"$connect": slow}) as service:
        with pytest.raises(InvalidStatus) as rejected:
            await websockets.connect(service.websocket_url)
        assert rejected.value.response.status_code == 500
        assert len(service.core.connections) == 0
