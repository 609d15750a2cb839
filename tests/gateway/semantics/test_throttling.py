"""The stage's throttling: a token bucket per stage (and per route with its own limits).

API Gateway developer guide, "Protect your WebSocket APIs in API Gateway": token bucket,
burst = bucket size, rate = steady refill; throttled clients "may receive 429 Too Many
Requests". AWS does not document the frame a throttled WebSocket *message* gets; the
gateway's choice (the usual error frame with "Too Many Requests", connection kept) is
written down in `local_gateway/throttle.py` and the README.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import websockets
from websockets.exceptions import InvalidStatus

from local_gateway.cli import parse_settings
from local_gateway.contract import DEFAULT_THROTTLING_BURST_LIMIT, DEFAULT_THROTTLING_RATE_LIMIT
from local_gateway.core import ConnectRejectedError, ConnectRequest, GatewayCore
from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.routes import Route, RouteError, RouteTable, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from local_gateway.throttle import StageThrottle, ThrottleLimits, TokenBucket
from tests.gateway.conftest import FakeChannel, FakeClock, FakeInvoker, sample_routes

# --- The bucket ---------------------------------------------------------------------------


def test_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    """Full at start: `burst` requests pass at once, the next waits for `1/rate` seconds."""
    clock = FakeClock()
    bucket = TokenBucket(limits=ThrottleLimits(burst=3, rate=2.0), clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.25  # half a token
    assert not bucket.take()
    clock.now += 0.25  # one token
    assert bucket.take()
    assert not bucket.take()


def test_bucket_never_holds_more_than_the_burst() -> None:
    """However long it sits idle, the bucket refills only up to its burst."""
    clock = FakeClock()
    bucket = TokenBucket(limits=ThrottleLimits(burst=2, rate=100.0), clock=clock)
    clock.now += 3600
    assert [bucket.take() for _ in range(3)] == [True, True, False]


@pytest.mark.parametrize(("burst", "rate"), [(0, 1.0), (1.5, 1.0), (True, 1.0), (1, 0), (1, -2.0)])
def test_limits_are_validated(burst: object, rate: object) -> None:
    """A burst below 1 or not whole, or a rate not above 0, is refused (as variables.tf does)."""
    with pytest.raises(ValueError, match="throttling"):
        ThrottleLimits(burst=burst, rate=rate)  # type: ignore[arg-type]


def test_route_with_own_limits_uses_its_own_bucket_only() -> None:
    """A route's own limits replace the stage's for it; other routes share the stage bucket."""
    clock = FakeClock()
    throttle = StageThrottle(
        stage=ThrottleLimits(burst=1, rate=1.0),
        routes=[("busy", ThrottleLimits(burst=3, rate=1.0))],
        clock=clock,
    )
    assert [throttle.allow("busy") for _ in range(4)] == [True, True, True, False]
    assert throttle.allow("$default")
    assert not throttle.allow("other")


# --- The core -----------------------------------------------------------------------------


def _core(throttle: StageThrottle, clock: FakeClock) -> tuple[GatewayCore, FakeInvoker]:
    invoker = FakeInvoker({"$default": lambda _event: {"statusCode": 200}})
    core = GatewayCore(
        routes=RouteTable(routes=load_routes(), selection_expression="$request.body.action"),
        invoker=invoker,
        events=LambdaEventBuilder(stage="dev", api_id="local", domain_name="127.0.0.1:1"),
        idle_timeout=600,
        max_duration=7200,
        clock=clock,
        throttle=throttle,
    )
    return core, invoker


_REQUEST = ConnectRequest(headers={}, query={}, source_ip="127.0.0.1")


async def test_core_throttles_messages_with_an_error_frame_and_keeps_the_connection() -> None:
    """Past the burst a message is not invoked; the client gets "Too Many Requests", stays open."""
    clock = FakeClock()
    core, invoker = _core(
        StageThrottle(stage=ThrottleLimits(burst=3, rate=1.0), clock=clock), clock
    )
    connection = await core.connect(_REQUEST)  # one token
    channel = FakeChannel()
    core.open(connection.connection_id, channel)
    await core.receive(connection.connection_id, "one")
    await core.receive(connection.connection_id, "two")
    await core.receive(connection.connection_id, "three")
    assert invoker.route_keys() == ["$connect", "$default", "$default"]
    error = channel.json()
    assert error["message"] == "Too Many Requests"
    assert error["connectionId"] == connection.connection_id
    assert error["requestId"]
    assert channel.closed is None
    clock.now += 1.0
    await core.receive(connection.connection_id, "four")
    assert invoker.route_keys()[-1] == "$default"
    assert len(invoker.events) == 4


async def test_core_throttles_handshakes_with_429_before_connect_runs() -> None:
    """A throttled handshake is refused with 429 and `$connect` is not invoked."""
    clock = FakeClock()
    core, invoker = _core(
        StageThrottle(stage=ThrottleLimits(burst=1, rate=1.0), clock=clock), clock
    )
    await core.connect(_REQUEST)
    with pytest.raises(ConnectRejectedError) as rejected:
        await core.connect(_REQUEST)
    assert rejected.value.status == 429
    assert invoker.route_keys() == ["$connect"]


# --- Routes, settings, CLI ----------------------------------------------------------------


def test_routes_file_takes_route_throttling(tmp_path: Path) -> None:
    """A routes file may set `throttling_burst_limit`/`throttling_rate_limit`, validated."""
    good = tmp_path / "routes.json"
    good.write_text(
        json.dumps({"busy": {"handler": "a.b.c", "throttling_burst_limit": 5}}), encoding="utf-8"
    )
    route = load_routes(good)["busy"]
    assert route.throttling_burst_limit == 5
    assert route.throttling_rate_limit is None
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"busy": {"handler": "a.b.c", "throttling_rate_limit": 0}}), encoding="utf-8"
    )
    with pytest.raises(RouteError, match="throttling_rate_limit"):
        load_routes(bad)


def test_defaults_are_the_modules_and_flags_override_them() -> None:
    """Burst 500 and rate 1000 by default (contract.json = variables.tf); flags change them."""
    settings, _ = parse_settings([])
    assert settings.throttling_burst_limit == DEFAULT_THROTTLING_BURST_LIMIT == 500
    assert settings.throttling_rate_limit == DEFAULT_THROTTLING_RATE_LIMIT == 1000
    settings, _ = parse_settings(
        ["--throttling-burst-limit", "7", "--throttling-rate-limit", "2.5"]
    )
    assert (settings.throttling_burst_limit, settings.throttling_rate_limit) == (7, 2.5)
    with pytest.raises(SystemExit):
        parse_settings(["--throttling-rate-limit", "0"])


# --- Through the network, with real clients -----------------------------------------------


@pytest_asyncio.fixture
async def throttled(source_dir: Path) -> AsyncIterator[GatewayService]:
    """A stage with burst 3 and a rate so low that no token comes back during a test."""
    settings = GatewaySettings(
        port=0, source_dir=source_dir, throttling_burst_limit=3, throttling_rate_limit=0.0001
    )
    async with GatewayService(settings=settings, routes=sample_routes()) as service:
        yield service


async def test_real_client_is_throttled_on_messages_and_handshakes(
    throttled: GatewayService,
) -> None:
    """Handshake + 2 echoes use the burst of 3; the 3rd message gets the throttling frame,
    the socket stays open, and a further handshake is refused with HTTP 429."""
    async with websockets.connect(throttled.websocket_url) as client:
        await client.send("first")
        assert await asyncio.wait_for(client.recv(), 20) == "first"
        await client.send("second")
        assert await asyncio.wait_for(client.recv(), 20) == "second"
        await client.send("third")
        error = json.loads(await asyncio.wait_for(client.recv(), 20))
        assert error["message"] == "Too Many Requests"
        assert set(error) == {"message", "connectionId", "requestId"}
        with pytest.raises(InvalidStatus) as refused:
            await websockets.connect(throttled.websocket_url)
        assert refused.value.response.status_code == 429
        await client.ping()  # still open


async def test_route_with_own_limits_is_throttled_on_its_own(source_dir: Path) -> None:
    """A route with `throttling_burst_limit` 1 throttles its second message; $default goes on."""
    routes = {
        **sample_routes(),
        "once": Route(
            key="once",
            handler="sample.handlers.reply",
            two_way_response=True,
            environment={"GREETING": "hello"},
            throttling_burst_limit=1,
            throttling_rate_limit=0.0001,
        ),
    }
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with (
        GatewayService(settings=settings, routes=routes) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        await client.send(json.dumps({"action": "once"}))
        assert await asyncio.wait_for(client.recv(), 20) == "hello True"
        await client.send(json.dumps({"action": "once"}))
        assert json.loads(await asyncio.wait_for(client.recv(), 20))["message"] == (
            "Too Many Requests"
        )
        await client.send("default still flows")
        assert await asyncio.wait_for(client.recv(), 20) == "default still flows"
