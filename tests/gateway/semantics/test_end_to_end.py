"""End to end: real WebSocket clients, real handlers, real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from local_gateway.contract import MESSAGE_BYTES
from local_gateway.routes import Route
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import management_client, sample_routes, until


def _records(service: GatewayService) -> dict[str, dict]:
    """The connections table's items, by connection id."""
    items = service.dynamodb.client().scan(TableName=service.settings.table_name)["Items"]
    return {item["connectionId"]["S"]: item for item in items}


async def _records_async(service: GatewayService) -> dict[str, dict]:
    return await asyncio.to_thread(_records, service)


async def _connection_id(service: GatewayService, known: set[str] | None = None) -> str:
    """The id of the connection just opened (the one not in `known`)."""
    await until(
        lambda: len(set(c.connection_id for c in service.core.connections) - (known or set())) == 1
    )
    (new,) = {c.connection_id for c in service.core.connections} - (known or set())
    return new


async def test_connect_echo_disconnect_round_trip(service: GatewayService) -> None:
    """Connect stores the record with its TTL, a message comes back unchanged, close removes it."""
    message = json.dumps({"action": "anything", "text": "héllo ✓"})
    async with websockets.connect(service.websocket_url) as client:
        connection_id = await _connection_id(service)
        record = (await _records_async(service))[connection_id]
        ttl = int(record["ttl"]["N"])
        assert abs(ttl - (time.time() + 7200)) < 60
        await client.send(message)
        assert await asyncio.wait_for(client.recv(), 10) == message
    await until(lambda: connection_id not in _records(service))


async def test_ten_clients_each_get_only_their_own_echoes(service: GatewayService) -> None:
    """Ten concurrent clients each receive exactly their own messages back."""

    async def chat(index: int) -> list[str]:
        async with websockets.connect(service.websocket_url) as client:
            sent = [f"client {index} message {n}" for n in range(3)]
            for text in sent:
                await client.send(text)
            received = [await asyncio.wait_for(client.recv(), 20) for _ in sent]
            assert sorted(received) == sorted(sent)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(client.recv(), 0.3)
            return received

    results = await asyncio.gather(*(chat(index) for index in range(10)))
    assert len(results) == 10
    await until(lambda: _records(service) == {})


async def test_rejected_connect_answers_the_handshake_with_its_status(source_dir: Path) -> None:
    """A $connect returning 403 fails the handshake with 403 and stores nothing."""
    routes = {
        **sample_routes(),
        "$connect": Route(key="$connect", handler="sample.handlers.reject"),
    }
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=routes) as service:
        with pytest.raises(InvalidStatus) as rejected:
            async with websockets.connect(service.websocket_url):
                pass
        assert rejected.value.response.status_code == 403
        async with websockets.connect(f"{service.websocket_url}?let=in") as client:
            await client.send("in")
            assert await asyncio.wait_for(client.recv(), 10) == "in"
        assert len(service.core.connections) <= 1


async def test_handler_error_frame_and_connection_stays_open(service: GatewayService) -> None:
    """A crashing route sends API Gateway's error frame; the same client keeps working."""
    async with websockets.connect(service.websocket_url) as client:
        connection_id = await _connection_id(service)
        await client.send('{"action": "crash"}')
        error = json.loads(await asyncio.wait_for(client.recv(), 10))
        assert error["message"] == "Internal server error"
        assert error["connectionId"] == connection_id
        assert error["requestId"]
        await client.send("after")
        assert await asyncio.wait_for(client.recv(), 10) == "after"


async def test_two_way_route_with_its_environment_and_tagged_logs(
    service: GatewayService, capfd: pytest.CaptureFixture[str]
) -> None:
    """A two-way route's body comes back; it sees its env; its output is tagged on the console."""
    async with websockets.connect(service.websocket_url) as client:
        connection_id = await _connection_id(service)
        await client.send('{"action": "reply"}')
        assert await asyncio.wait_for(client.recv(), 10) == "hello True"
    await service.stop()  # Ends the worker processes, so all their output is flushed.
    err = capfd.readouterr().err
    assert f"[reply {connection_id}] replying to {connection_id}" in err


async def test_slow_handler_does_not_block_other_connections(
    service: GatewayService, tmp_path: Path
) -> None:
    """While one client's handler is blocked, another client's message is echoed."""
    release = tmp_path / "release"
    async with (
        websockets.connect(service.websocket_url) as slow_client,
        websockets.connect(service.websocket_url) as fast_client,
    ):
        await slow_client.send(json.dumps({"action": "slow", "release": str(release)}))
        await fast_client.send("quick")
        assert await asyncio.wait_for(fast_client.recv(), 10) == "quick"
        release.touch()
        assert await asyncio.wait_for(slow_client.recv(), 10) == "slow done"


async def test_oversize_message_closes_1009_and_removes_record(service: GatewayService) -> None:
    """A message over 128 KB closes the connection with 1009; $disconnect removes the record."""
    async with websockets.connect(service.websocket_url, max_size=None) as client:
        connection_id = await _connection_id(service)
        await client.send("x" * (MESSAGE_BYTES + 1))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 10)
        assert client.close_code == 1009
    await until(lambda: connection_id not in _records(service))


@pytest.mark.parametrize(
    ("idle_timeout", "max_duration", "keep_talking"),
    [(1.0, 60.0, False), (60.0, 1.5, True)],
    ids=["idle", "duration"],
)
async def test_timeouts_close_1001_and_run_disconnect(
    source_dir: Path, idle_timeout: float, max_duration: float, keep_talking: bool
) -> None:
    """Idle timeout and maximum duration (shortened) close with 1001 and remove the record."""
    settings = GatewaySettings(
        port=0, source_dir=source_dir, idle_timeout=idle_timeout, max_duration=max_duration
    )
    async with (
        GatewayService(settings=settings, routes=sample_routes()) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        connection_id = await _connection_id(service)
        if keep_talking:
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await client.send("still here")
                    await asyncio.wait_for(client.recv(), 10)
        await asyncio.wait_for(client.wait_closed(), 10)
        assert client.close_code == 1001
        await until(lambda: connection_id not in _records(service))


async def test_management_api_through_boto3(service: GatewayService) -> None:
    """POST, GET and DELETE on @connections behave as on AWS, 410 and 413 as boto3 exceptions."""
    api = management_client(service)
    async with websockets.connect(service.websocket_url, user_agent_header="e2e-client") as client:
        connection_id = await _connection_id(service)
        await asyncio.to_thread(api.post_to_connection, ConnectionId=connection_id, Data=b"pushed")
        assert await asyncio.wait_for(client.recv(), 10) == "pushed"
        info = await asyncio.to_thread(api.get_connection, ConnectionId=connection_id)
        assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "e2e-client"}
        assert info["ConnectedAt"] <= info["LastActiveAt"]
        with pytest.raises(api.exceptions.PayloadTooLargeException):
            await asyncio.to_thread(
                api.post_to_connection,
                ConnectionId=connection_id,
                Data=b"x" * (MESSAGE_BYTES + 1),
            )
        await asyncio.to_thread(api.delete_connection, ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(client.recv(), 10)
    await until(lambda: connection_id not in _records(service))
    late_calls = [
        (api.post_to_connection, {"Data": b"late"}),
        (api.get_connection, {}),
        (api.delete_connection, {}),
    ]
    for call, kwargs in late_calls:
        with pytest.raises(api.exceptions.GoneException):
            await asyncio.to_thread(call, ConnectionId=connection_id, **kwargs)
    with pytest.raises(api.exceptions.GoneException):
        await asyncio.to_thread(api.get_connection, ConnectionId="neverExisted=")


async def test_bad_input_never_hurts_other_clients(service: GatewayService) -> None:
    """Binary, invalid JSON, empty messages and an abrupt drop leave other clients served."""
    async with websockets.connect(service.websocket_url) as steady:
        steady_id = await _connection_id(service)
        rude = await websockets.connect(service.websocket_url)
        rude_id = await _connection_id(service, known={steady_id})
        for bad in ("{not json", ""):
            await rude.send(bad)
        await rude.send("{not json either")
        assert await asyncio.wait_for(rude.recv(), 10) in {"{not json", "{not json either"}
        rude.transport.abort()  # No close frame: the TCP connection just drops.
        await until(lambda: rude_id not in _records(service))
        await steady.send("still fine")
        assert await asyncio.wait_for(steady.recv(), 10) == "still fine"
        assert steady_id in await _records_async(service)
        binary = await websockets.connect(service.websocket_url)
        binary_id = await _connection_id(service, known={steady_id})
        await binary.send(b"\x00\xffbinary")  # Closes that connection with 1003.
        await asyncio.wait_for(binary.wait_closed(), 10)
        assert binary.close_code == 1003
        await until(lambda: binary_id not in _records(service))
        await steady.send("fine again")
        assert await asyncio.wait_for(steady.recv(), 10) == "fine again"
