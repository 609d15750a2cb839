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
from local_gateway.authorizer import ConnectAuthorizer
from local_gateway.console import ConnectionsTable, add_console
from local_gateway.console_log import ConsoleLog
from local_gateway.contract import (
    ENV_CONNECTION_TTL_SECONDS,
    ENV_CONNECTIONS_TABLE,
    ENV_MANAGEMENT_API_ENDPOINT,
)
from local_gateway.core import GatewayCore
from local_gateway.dynamodb import EmbeddedDynamoDB
from local_gateway.iam import (
    HANDLER_ACCESS_KEY_ID,
    HANDLER_SECRET_ACCESS_KEY,
    known_credentials,
    require_sigv4,
)
from local_gateway.invoker import ProcessInvoker, search_path, zygote_environment
from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.routes import Route, RouteTable, load_routes
from local_gateway.secret_store import store_secrets
from local_gateway.settings import GatewaySettings
from local_gateway.throttle import StageThrottle, ThrottleLimits
from local_gateway.tls import LocalTLS, create_local_tls
from local_gateway.zygote import Zygote

__all__ = ["GatewayService"]

# Without a TLS port of its own, the TLS listener sits this far above the plain one
# (8080 -> 8443), so `make run`'s URLs stay the same from run to run.
_TLS_PORT_OFFSET = 363
_WILDCARDS = ("", "0.0.0.0", "::")
_MAX_PORT = 65535


def _inherited_environment() -> dict[str, str]:
    """This process's environment without the user's own AWS settings, so no handler can
    reach a real account."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


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
        # Every line the functions write (and the gateway's notes about them) goes here.
        self.console_log = ConsoleLog()
        self.port = 0
        self.tls_port = 0
        self.tls: LocalTLS | None = None
        self.core: GatewayCore | None = None
        self._invoker: ProcessInvoker | None = None
        self._runner: web.AppRunner | None = None
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def invoker(self) -> ProcessInvoker | None:
        """The functions' execution environments, while the service runs."""
        return self._invoker

    @property
    def websocket_url(self) -> str:
        """The stage URL a WebSocket client connects to."""
        return f"ws://{self.settings.host}:{self.port}/{self.settings.stage}"

    @property
    def management_url(self) -> str:
        """The `@connections` API's base URL, as boto3's `endpoint_url` wants it."""
        return f"http://{self.settings.host}:{self.port}/{self.settings.stage}"

    @property
    def domain_name(self) -> str:
        """`host:port` of the TLS listener: the events' `domainName`, as AWS's is the API's."""
        host = "127.0.0.1" if self.settings.host in _WILDCARDS else self.settings.host
        return f"{host}:{self.tls_port}"

    @property
    def callback_url(self) -> str:
        """`https://{domainName}/{stage}`: the `@connections` base URL AWS's samples build,
        and what the functions get as `MANAGEMENT_API_ENDPOINT`."""
        return f"https://{self.domain_name}/{self.settings.stage}"

    @property
    def console_url(self) -> str:
        """The console page: a client for the stage, its connections and its logs.

        Same scheme, host and port as the management API; the stage is one path below.
        """
        return self.management_url.removesuffix(self.settings.stage)

    def handler_environment(self) -> dict[str, str]:
        """The environment every function gets: the module's variables plus local endpoints.

        The user's own AWS settings are left out, so no handler can reach a real account.
        """
        return {
            **_inherited_environment(),
            ENV_CONNECTIONS_TABLE: self.settings.table_name,
            ENV_CONNECTION_TTL_SECONDS: str(self.settings.connection_ttl_seconds),
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.endpoint,
            ENV_MANAGEMENT_API_ENDPOINT: self.callback_url,
            "AWS_ACCESS_KEY_ID": HANDLER_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": HANDLER_SECRET_ACCESS_KEY,
            # Replaces botocore's roots, so it holds them plus the local CA (tls.py).
            **({"AWS_CA_BUNDLE": str(self.tls.bundle_file)} if self.tls else {}),
            "AWS_REGION": self.settings.region,
            "AWS_DEFAULT_REGION": self.settings.region,
            # Secrets read by ARN (`--secret`) are served by the same embedded moto.
            "AWS_ENDPOINT_URL_SSM": self.dynamodb.endpoint,
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": self.dynamodb.endpoint,
        }

    def _connect_authorizer(self, invoker: ProcessInvoker) -> ConnectAuthorizer | None:
        """How `$connect` is authorized; None when anyone may connect."""
        settings = self.settings
        if not settings.authorizer.enabled:
            return None
        return ConnectAuthorizer(
            config=settings.authorizer,
            invoker=invoker,
            region=settings.region,
            api_id=settings.api_id,
            stage=settings.stage,
            credentials=known_credentials(),
        )

    async def start(self) -> None:
        """Start DynamoDB, bind the port, and serve the stage."""
        settings = self.settings
        # The process execution environments are forked from starts first: its imports
        # (boto3) take longer than the rest of the start-up, and run meanwhile.
        zygote = Zygote(environment=zygote_environment(_inherited_environment()))
        zygote.prestart()
        try:
            listener, tls_listener = await self._start_network()
        except BaseException:
            await zygote.aclose()
            raise
        self._invoker = ProcessInvoker(
            search_path=search_path(settings.source_dir, settings.layer_dirs),
            environment=self.handler_environment(),
            function_prefix="websocket-local",
            console=self.console_log,
            max_environments=settings.max_environments,
            replace_idle_after=settings.replace_idle_environment_after,
            account_concurrency=settings.account_concurrency,
            reserved_concurrency=settings.reserved_concurrency,
            integration_timeout=settings.integration_timeout,
            idle_lifetime=settings.idle_environment_seconds,
            reload_interval=settings.reload_interval,
            zygote=zygote,
        )
        try:
            # Fail early: every handler imported before the first client is accepted.
            functions = [*self._routes.values()]
            if settings.authorizer.authorization_type == "CUSTOM":
                functions.append(settings.authorizer.route())
            await self._invoker.start(functions)
        except BaseException:
            listener.close()
            tls_listener.close()
            self.tls.remove()
            self.tls = None
            await self._invoker.aclose()  # again after a StartupError: stops the zygote
            self._invoker = None
            await asyncio.to_thread(self.dynamodb.stop)
            raise
        self.core = GatewayCore(
            routes=self._routes,
            invoker=self._invoker,
            events=LambdaEventBuilder(
                stage=settings.stage,
                api_id=settings.api_id,
                domain_name=self.domain_name,
                forwarded_port=self.port,
            ),
            idle_timeout=settings.idle_timeout,
            max_duration=settings.max_duration,
            throttle=self._throttle(),
            authorizer=self._connect_authorizer(self._invoker),
        )
        app = create_app(core=self.core, stage=settings.stage)
        add_console(
            app,
            core=self.core,
            table=ConnectionsTable(dynamodb=self.dynamodb, table_name=settings.table_name),
            log=self.console_log,
            stage=settings.stage,
        )
        app.middlewares.append(
            require_sigv4(
                stage=settings.stage, region=settings.region, credentials=known_credentials()
            )
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()
        # The same stage and @connections over TLS: https://{domainName}/{stage} works.
        await web.SockSite(
            self._runner, tls_listener, ssl_context=self.tls.server_context()
        ).start()
        self._sweeper = asyncio.create_task(self._enforce_limits())

    async def _start_network(self) -> tuple[socket.socket, socket.socket]:
        """Start DynamoDB, store the secrets, bind both listeners and make the TLS files."""
        settings = self.settings
        await asyncio.to_thread(self.dynamodb.start)
        try:
            await asyncio.to_thread(
                store_secrets, settings.secrets, endpoint=self.dynamodb.endpoint
            )
        except BaseException:
            await asyncio.to_thread(self.dynamodb.stop)
            raise
        listener = _bind(settings.host, settings.port)
        self.port = listener.getsockname()[1]
        tls_port = settings.tls_port
        if tls_port is None:
            beside = settings.port + _TLS_PORT_OFFSET
            tls_port = beside if settings.port and beside <= _MAX_PORT else 0
        tls_listener = _bind(settings.host, tls_port)
        self.tls_port = tls_listener.getsockname()[1]
        extra_hosts = () if settings.host in _WILDCARDS else (settings.host,)
        self.tls = create_local_tls(hosts=extra_hosts)
        return listener, tls_listener

    def _throttle(self) -> StageThrottle:
        """The stage's token bucket, and one for each route with throttling of its own.

        A route that sets only one of burst and rate gets the stage's for the other, as
        the module passes them to the stage's route settings.
        """
        stage = ThrottleLimits(
            burst=self.settings.throttling_burst_limit, rate=self.settings.throttling_rate_limit
        )
        own = [
            (
                route.key,
                ThrottleLimits(
                    burst=route.throttling_burst_limit or stage.burst,
                    rate=route.throttling_rate_limit or stage.rate,
                ),
            )
            for route in self._routes.values()
            if route.throttling_burst_limit is not None or route.throttling_rate_limit is not None
        ]
        return StageThrottle(stage=stage, routes=own)

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
        if self.tls is not None:
            self.tls.remove()
            self.tls = None

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
