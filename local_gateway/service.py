"""The whole local service: embedded DynamoDB, handler processes, core and aiohttp adapter.

`GatewayService` starts the pieces in dependency order and stops them in reverse, so
every connection gets its `$disconnect` before the handlers and the table go away.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Mapping
from types import TracebackType

from aiohttp import web

from local_gateway.aiohttp_adapter import create_app, drain_messages
from local_gateway.contract import (
    ENV_CONNECTION_TTL_SECONDS,
    ENV_CONNECTIONS_TABLE,
    ENV_MANAGEMENT_API_ENDPOINT,
)
from local_gateway.core import GatewayCore
from local_gateway.dynamodb import EmbeddedDynamoDB
from local_gateway.invoker import ProcessInvoker, search_path
from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.routes import Route, RouteTable, load_routes
from local_gateway.settings import GatewaySettings

__all__ = ["GatewayService"]


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket first, so a port of 0 is known before handlers start."""
    listener = socket.create_server((host, port), reuse_port=False)
    listener.setblocking(False)
    return listener


class GatewayService:
    """One running stage on this machine: the core on the network, with its handlers and table.

    Args:
        settings: Host, port, stage, limits and the handlers' settings.
        routes: The routes to serve; default: the module's defaults.
    """

    def __init__(
        self, *, settings: GatewaySettings, routes: Mapping[str, Route] | None = None
    ) -> None:
        self.settings = settings
        self._routes = RouteTable(
            routes=routes if routes is not None else load_routes(),
            selection_expression=settings.route_selection_expression,
        )
        self.dynamodb = EmbeddedDynamoDB(table_name=settings.table_name, region=settings.region)
        self.port = 0
        self.core: GatewayCore | None = None
        self._invoker: ProcessInvoker | None = None
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def websocket_url(self) -> str:
        """The stage URL a WebSocket client connects to."""
        return f"ws://{self.settings.host}:{self.port}/{self.settings.stage}"

    @property
    def management_url(self) -> str:
        """The `@connections` API's base URL, as boto3's `endpoint_url` wants it."""
        return f"http://{self.settings.host}:{self.port}/{self.settings.stage}"

    def handler_environment(self) -> dict[str, str]:
        """The environment every function gets: the module's variables plus local endpoints.

        The user's own AWS settings are left out, so no handler can reach a real account.
        """
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {
            **inherited,
            ENV_CONNECTIONS_TABLE: self.settings.table_name,
            ENV_CONNECTION_TTL_SECONDS: str(self.settings.connection_ttl_seconds),
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.endpoint,
            ENV_MANAGEMENT_API_ENDPOINT: self.management_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": self.settings.region,
            "AWS_DEFAULT_REGION": self.settings.region,
        }

    async def start(self) -> None:
        """Start DynamoDB, bind the port, and serve the stage."""
        settings = self.settings
        await asyncio.to_thread(self.dynamodb.start)
        listener = _bind(settings.host, settings.port)
        self.port = listener.getsockname()[1]
        self._invoker = ProcessInvoker(
            search_path=search_path(settings.source_dir, settings.layer_dirs),
            environment=self.handler_environment(),
            function_prefix="websocket-local",
        )
        self.core = GatewayCore(
            routes=self._routes,
            invoker=self._invoker,
            events=LambdaEventBuilder(
                stage=settings.stage,
                api_id=settings.api_id,
                domain_name=f"{settings.host}:{self.port}",
            ),
            idle_timeout=settings.idle_timeout,
            max_duration=settings.max_duration,
        )
        self._runner = web.AppRunner(
            create_app(core=self.core, stage=settings.stage), access_log=None
        )
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()
        self._sweeper = asyncio.create_task(self._enforce_limits())

    async def _enforce_limits(self) -> None:
        """Check the idle and duration limits often enough for their size."""
        assert self.core is not None
        interval = min(1.0, self.settings.idle_timeout / 4, self.settings.max_duration / 4)
        while True:
            await asyncio.sleep(interval)
            await self.core.enforce_limits()

    async def stop(self) -> None:
        """Close every connection (each runs `$disconnect`), then stop everything else.

        Safe to call twice: each piece is forgotten once it is stopped.
        """
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self.core is not None:
            await self.core.close_all()
            self.core = None
        if self._runner is not None:
            await drain_messages(self._runner.app)
            await self._runner.cleanup()
            self._runner = None
        if self._invoker is not None:
            await self._invoker.aclose()
            self._invoker = None
            await asyncio.to_thread(self.dynamodb.stop)

    async def __aenter__(self) -> GatewayService:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
