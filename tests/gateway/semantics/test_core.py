"""The socket-free core: API Gateway's WebSocket semantics driven by plain method calls."""

from __future__ import annotations

import pytest

from local_gateway.contract import MESSAGE_BYTES
from local_gateway.core import (
    ConnectRejectedError,
    ConnectRequest,
    GoneError,
    PayloadTooLargeError,
)
from local_gateway.routes import Route
from tests.gateway.conftest import FakeChannel, FakeClock, make_core

REQUEST = ConnectRequest(
    headers={"Host": ["127.0.0.1:1"], "X-Many": ["a", "b"]},
    query={"token": ["t1"]},
    source_ip="10.0.0.7",
    user_agent="pytest",
)


async def _open(core, channel: FakeChannel | None = None) -> tuple[str, FakeChannel]:
    channel = channel or FakeChannel()
    connection = await core.connect(REQUEST)
    core.open(connection.connection_id, channel)
    return connection.connection_id, channel


async def test_connect_event_carries_handshake_fields() -> None:
    """$connect gets API Gateway's CONNECT event: headers, query, identity, ids and times."""
    core, invoker = make_core()
    connection_id, _ = await _open(core)
    event = invoker.events[0]
    context = event["requestContext"]
    assert context["eventType"] == "CONNECT"
    assert context["routeKey"] == "$connect"
    assert context["connectionId"] == connection_id
    assert context["connectedAt"] == 1_700_000_000_000
    assert context["requestTimeEpoch"] == 1_700_000_000_000
    assert {"requestId", "domainName", "stage", "apiId"} <= context.keys()
    assert context["stage"] == "dev"
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    assert event["headers"]["X-Many"] == "b"
    assert event["multiValueHeaders"]["X-Many"] == ["a", "b"]
    assert event["queryStringParameters"] == {"token": "t1"}


@pytest.mark.parametrize(
    "connect_handler",
    [lambda _e: {"statusCode": 401}, lambda _e: 1 / 0],
    ids=["non-2xx", "raises"],
)
async def test_rejected_connect_is_never_registered(connect_handler) -> None:
    """A non-2xx or failing $connect rejects the handshake and leaves no connection behind."""
    core, invoker = make_core({"$connect": connect_handler})
    with pytest.raises(ConnectRejectedError) as rejected:
        await core.connect(REQUEST)
    assert rejected.value.status in {401, 500}
    assert len(core.connections) == 0
    assert invoker.route_keys() == ["$connect"]


async def test_message_routes_by_action_and_falls_back_to_default() -> None:
    """The action names a custom route; unknown actions and non-JSON go to $default."""
    routes = {"sendmessage": Route(key="sendmessage", handler="x.y")}
    core, invoker = make_core(routes=routes)
    connection_id, _ = await _open(core)
    for data in ['{"action": "sendmessage"}', '{"action": "other"}', "not json"]:
        await core.receive(connection_id, data)
    assert invoker.route_keys()[1:] == ["sendmessage", "$default", "$default"]
    message = invoker.events[1]
    assert message["requestContext"]["eventType"] == "MESSAGE"
    assert message["requestContext"]["messageId"]
    assert message["body"] == '{"action": "sendmessage"}'
    assert message["isBase64Encoded"] is False


async def test_binary_frame_closes_1003_and_runs_disconnect_once() -> None:
    """A binary frame reaches no route: the connection closes with 1003, $disconnect runs once."""
    core, invoker = make_core()
    connection_id, channel = await _open(core)
    await core.receive(connection_id, b"\x00\x01")
    assert channel.closed == (1003, "Binary frames are not supported")
    await core.disconnect(connection_id, status_code=1003, reason="")
    assert invoker.route_keys()[1:] == ["$disconnect"]
    assert invoker.events[-1]["requestContext"]["disconnectStatusCode"] == 1003


async def test_no_matching_route_sends_forbidden_error() -> None:
    """Without $default, an unmatched message gets API Gateway's error frame, no invocation."""
    core, invoker = make_core(without=("$default",))
    connection_id, channel = await _open(core)
    await core.receive(connection_id, '{"action": "nothing"}')
    error = channel.json()
    assert error["message"] == "Forbidden"
    assert error["connectionId"] == connection_id
    assert error["requestId"]
    assert invoker.route_keys() == ["$connect"]


async def test_handler_error_sends_internal_server_error_and_keeps_connection() -> None:
    """A failing route handler yields the documented error frame; the connection stays open."""
    core, invoker = make_core({"$default": lambda _e: 1 / 0})
    connection_id, channel = await _open(core)
    await core.receive(connection_id, "hi")
    error = channel.json()
    assert error == {
        "message": "Internal server error",
        "connectionId": connection_id,
        "requestId": invoker.events[-1]["requestContext"]["requestId"],
    }
    assert channel.closed is None
    await core.post(connection_id, b"still here")
    assert channel.sent[-1] == "still here"


async def test_only_two_way_routes_send_the_handler_body_back() -> None:
    """A two-way route's response body reaches the client; a one-way route's does not."""
    routes = {"ask": Route(key="ask", handler="x.y", two_way_response=True)}
    core, _ = make_core(
        {"ask": lambda _e: {"body": "answer"}, "$default": lambda _e: {"body": "no"}}, routes=routes
    )
    connection_id, channel = await _open(core)
    await core.receive(connection_id, '{"action": "ask"}')
    await core.receive(connection_id, "plain")
    assert channel.sent == ["answer"]


async def test_oversize_message_closes_1009_and_runs_disconnect_once() -> None:
    """A message over 128 KB closes the connection with 1009, then $disconnect runs once."""
    core, invoker = make_core()
    connection_id, channel = await _open(core)
    await core.receive(connection_id, "x" * (MESSAGE_BYTES + 1))
    assert channel.closed == (1009, "Message too big")
    # The adapter reports the socket's end too; $disconnect must not run a second time.
    await core.disconnect(connection_id, status_code=1009, reason="")
    assert invoker.route_keys() == ["$connect", "$disconnect"]
    assert invoker.events[-1]["requestContext"]["disconnectStatusCode"] == 1009


@pytest.mark.parametrize(
    ("advance", "touch", "reason"),
    [(600, False, "Idle timeout"), (7200, True, "Maximum connection duration")],
)
async def test_limits_close_1001_with_disconnect(advance: float, touch: bool, reason: str) -> None:
    """Idle timeout and maximum duration close with 1001 and invoke $disconnect."""
    clock = FakeClock()
    core, invoker = make_core(clock=clock)
    connection_id, channel = await _open(core)
    if touch:  # Active until the end: only the duration limit applies.
        clock.now += advance - 1
        await core.receive(connection_id, "ping")
        clock.now += 1
    else:
        clock.now += advance - 1
        await core.enforce_limits()
        assert channel.closed is None
        clock.now += 1
    await core.enforce_limits()
    assert channel.closed == (1001, reason)
    disconnect = invoker.events[-1]["requestContext"]
    assert (disconnect["routeKey"], disconnect["disconnectStatusCode"]) == ("$disconnect", 1001)
    assert disconnect["disconnectReason"] == reason


async def test_post_to_unknown_connecting_or_closed_connection_is_gone() -> None:
    """POST answers Gone for an unknown id, during $connect, and after the connection closed."""
    core, _ = make_core()
    with pytest.raises(GoneError):
        await core.post("nope", b"x")
    connecting = await core.connect(REQUEST)
    with pytest.raises(GoneError):
        await core.post(connecting.connection_id, b"x")
    connection_id, _ = await _open(core)
    await core.disconnect(connection_id, status_code=1000, reason="bye")
    with pytest.raises(GoneError):
        core.describe(connection_id)


async def test_post_over_128_kb_is_too_large_and_sends_nothing() -> None:
    """POST of more than 128 KB raises PayloadTooLarge; exactly 128 KB is delivered."""
    core, _ = make_core()
    connection_id, channel = await _open(core)
    with pytest.raises(PayloadTooLargeError):
        await core.post(connection_id, b"x" * (MESSAGE_BYTES + 1))
    await core.post(connection_id, b"x" * MESSAGE_BYTES)
    assert len(channel.sent) == 1


async def test_post_sends_text_or_binary_and_updates_last_active() -> None:
    """UTF-8 data goes out as a text frame, other bytes as binary; both count as activity."""
    clock = FakeClock()
    core, _ = make_core(clock=clock)
    connection_id, channel = await _open(core)
    clock.now += 5
    await core.post(connection_id, "héllo".encode())
    await core.post(connection_id, b"\xff\xfe")
    assert channel.sent == ["héllo", b"\xff\xfe"]
    assert core.describe(connection_id).last_active_at == clock.now


async def test_delete_closes_and_runs_disconnect() -> None:
    """DELETE closes the socket and $disconnect runs; a second DELETE is Gone."""
    core, invoker = make_core()
    connection_id, channel = await _open(core)
    await core.delete(connection_id)
    assert channel.closed is not None
    assert invoker.route_keys()[-1] == "$disconnect"
    with pytest.raises(GoneError):
        await core.delete(connection_id)


async def test_close_all_disconnects_every_connection() -> None:
    """Stopping the core runs $disconnect for every open connection."""
    core, invoker = make_core()
    for _ in range(3):
        await _open(core)
    await core.close_all()
    assert invoker.route_keys().count("$disconnect") == 3
    assert len(core.connections) == 0
