"""Fixtures for the gateway tests: fakes for the socket-free core, running services for the rest."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import pytest_asyncio

from local_gateway.core import GatewayCore, HandlerError
from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.routes import Route, RouteTable, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings

HANDLERS_SOURCE = Path(__file__).parent / "handlers_src"


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeChannel:
    """Records what the core sends and how it closes, instead of a socket."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []
        self.closed: tuple[int, str] | None = None

    async def send(self, data: str | bytes) -> None:
        if self.closed:
            raise ConnectionResetError("closed")
        self.sent.append(data)

    async def close(self, *, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def json(self, index: int = -1) -> Any:
        return json.loads(self.sent[index])


class FakeInvoker:
    """Calls plain functions per route key and records every event it was given."""

    def __init__(self, handlers: dict[str, Callable[[dict[str, Any]], Any]]) -> None:
        self.handlers = handlers
        self.events: list[dict[str, Any]] = []

    async def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        self.events.append(event)
        try:
            return self.handlers.get(route.key, lambda _event: {"statusCode": 200})(event)
        except Exception as error:
            raise HandlerError(str(error)) from error

    def route_keys(self) -> list[str]:
        return [event["requestContext"]["routeKey"] for event in self.events]


def make_core(
    handlers: dict[str, Callable[[dict[str, Any]], Any]] | None = None,
    *,
    routes: dict[str, Route] | None = None,
    without: tuple[str, ...] = (),
    clock: FakeClock | None = None,
) -> tuple[GatewayCore, FakeInvoker]:
    """A core over fakes: default routes plus `routes` minus `without`, handlers by key."""
    invoker = FakeInvoker(handlers or {})
    clock = clock or FakeClock()
    merged = {**load_routes(), **(routes or {})}
    table = RouteTable(
        routes={key: route for key, route in merged.items() if key not in without},
        selection_expression="$request.body.action",
    )
    events = LambdaEventBuilder(stage="dev", api_id="local", domain_name="127.0.0.1:1", clock=clock)
    core = GatewayCore(
        routes=table,
        invoker=invoker,
        events=events,
        idle_timeout=600,
        max_duration=7200,
        clock=clock,
    )
    return core, invoker


def sample_routes() -> dict[str, Route]:
    """The default routes plus routes served by `handlers_src/sample`."""
    extra = {
        "crash": Route(key="crash", handler="sample.handlers.crash"),
        "reply": Route(
            key="reply",
            handler="sample.handlers.reply",
            two_way_response=True,
            environment={"GREETING": "hello"},
        ),
        "slow": Route(key="slow", handler="sample.handlers.slow", two_way_response=True),
    }
    return {**load_routes(), **extra}


@pytest.fixture(scope="session")
def source_dir() -> Path:
    """A source dir like examples/custom-handlers/src, for every gateway test: only its own
    packages, `sample` (well-behaved) and `faulty` (misbehaving on purpose); the default
    routes' `websocket_handlers` comes from the module's layer."""
    return HANDLERS_SOURCE


@pytest_asyncio.fixture
async def service(source_dir: Path) -> AsyncIterator[GatewayService]:
    """A running gateway with the real handlers and the sample routes, on a free port."""
    settings = GatewaySettings(port=0, idle_timeout=30.0, max_duration=60.0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=sample_routes()) as running:
        yield running


def management_client(service: GatewayService) -> Any:
    """boto3's real `apigatewaymanagementapi` client, pointed at the gateway."""
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=service.management_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for something the gateway does in the background, failing after `timeout`."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
