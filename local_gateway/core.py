"""API Gateway's WebSocket semantics, driven by plain method calls and free of sockets.

The network adapter calls `connect`, `open`, `receive` and `disconnect` as frames arrive,
and the `@connections` methods for management API requests; the core decides what
API Gateway would do and talks back only through each connection's `Channel`. Tests drive
it with a fake channel, a fake invoker and a fake clock.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from local_gateway.contract import MESSAGE_BYTES
from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.registry import Channel, Connection, ConnectionRegistry, State, new_id
from local_gateway.routes import Route, RouteTable
from local_gateway.throttle import THROTTLED_MESSAGE, StageThrottle

if TYPE_CHECKING:
    from local_gateway.authorizer import ConnectAuthorizer

__all__ = [
    "CLOSE_GOING_AWAY",
    "CLOSE_MESSAGE_TOO_BIG",
    "CLOSE_NORMAL",
    "CLOSE_NO_STATUS",
    "CLOSE_UNSUPPORTED_DATA",
    "ConnectRejectedError",
    "ConnectRequest",
    "GatewayCore",
    "GoneError",
    "HandlerError",
    "IntegrationTimeoutError",
    "Invoker",
    "PayloadTooLargeError",
]

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_NO_STATUS = 1005
CLOSE_MESSAGE_TOO_BIG = 1009

_log = logging.getLogger("local_gateway")


class HandlerError(Exception):
    """A handler raised, or returned something Lambda could not serialize.

    `client_message` is what API Gateway tells the client instead of a route's response:
    "Internal server error" for a failed, timed-out or throttled Lambda invocation
    ("How do I troubleshoot the internal server error for API Gateway endpoints that
    integrate with Lambda", https://repost.aws/knowledge-center/api-gateway-internal-server-error).
    """

    client_message = "Internal server error"


class IntegrationTimeoutError(HandlerError):
    """The invocation outlived API Gateway's integration timeout (29 s for WebSocket APIs).

    The client then gets "Endpoint request timed out" in the usual error frame, as users
    of API Gateway WebSocket APIs report it (aws/chalice#1406, Kludex/mangum#128); the
    function runs on until its own Lambda timeout.
    """

    client_message = "Endpoint request timed out"


class Invoker(Protocol):
    """Runs a route's handler the way Lambda would, off the caller's event loop."""

    async def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        """Return the handler's result.

        Raises:
            HandlerError: The handler failed.
        """


class ConnectRejectedError(Exception):
    """`$connect` refused the client: the handshake is answered with `status`."""

    def __init__(self, status: int) -> None:
        super().__init__(f"$connect rejected the connection with status {status}")
        self.status = status


class GoneError(Exception):
    """The connection id is unknown, not yet open or already closed (410 on AWS)."""


class PayloadTooLargeError(Exception):
    """The data is over API Gateway's message quota (413 on AWS)."""


@dataclass(frozen=True, kw_only=True)
class ConnectRequest:
    """What a WebSocket handshake tells API Gateway about the client."""

    headers: Mapping[str, Sequence[str]]
    query: Mapping[str, Sequence[str]]
    source_ip: str
    user_agent: str = ""
    # The path as sent, still percent-encoded: an AWS_IAM signature covers it.
    path: str = ""


def _status_of(result: Any) -> int:
    """The status a `$connect` result asks for: a proxy response's statusCode, else 200."""
    if isinstance(result, Mapping) and "statusCode" in result:
        try:
            return int(result["statusCode"])
        except (TypeError, ValueError):
            return 502
    return 200


def _subprotocol_of(result: Any) -> str | None:
    """The `Sec-WebSocket-Protocol` a `$connect` result returns in its headers, if any."""
    headers = result.get("headers") if isinstance(result, Mapping) else None
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            if str(name).lower() == "sec-websocket-protocol" and isinstance(value, str):
                return value.strip() or None
    return None


def _size(data: str | bytes) -> int:
    return len(data.encode("utf-8") if isinstance(data, str) else data)


class GatewayCore:
    """One WebSocket API stage: its connections, routes and limits.

    Args:
        routes: The routes and the selection expression that picks among them.
        invoker: Runs handlers.
        events: Builds the events handed to them.
        idle_timeout: Seconds without activity before a connection is closed with 1001.
        max_duration: Seconds after connecting before a connection is closed with 1001.
        clock: Epoch seconds; injectable so tests can move time.
        authorizer: Authorizes each handshake before `$connect` runs; None: anyone connects.
        throttle: The stage's and routes' token buckets (`local_gateway.throttle`): a
            throttled handshake is refused with 429, a throttled message answered with
            a "Too Many Requests" error frame; None: no throttling.
    """

    def __init__(
        self,
        *,
        routes: RouteTable,
        invoker: Invoker,
        events: LambdaEventBuilder,
        idle_timeout: float,
        max_duration: float,
        clock: Callable[[], float] = time.time,
        authorizer: ConnectAuthorizer | None = None,
        throttle: StageThrottle | None = None,
    ) -> None:
        self._routes = routes
        self._invoker = invoker
        self._events = events
        self._idle_timeout = idle_timeout
        self._max_duration = max_duration
        self._clock = clock
        self._authorizer = authorizer
        self._throttle = throttle
        self.connections = ConnectionRegistry()

    async def connect(self, request: ConnectRequest) -> Connection:
        """Run `$connect` for a new client, before the handshake is answered.

        Returns:
            The connection, still CONNECTING: the adapter completes the handshake and
            calls `open`. Until then the `@connections` API answers 410 for it, as AWS does.
            Its `subprotocol` is the `Sec-WebSocket-Protocol` header `$connect` returned,
            which the handshake's answer carries.

        Raises:
            ConnectRejectedError: The stage is throttling handshakes (429), the authorizer
                refused the client (401, 403, or 500 when it failed), or the handler
                returned a non-2xx status or raised.
        """
        if self._throttle is not None and not self._throttle.allow("$connect"):
            _log.info("$connect throttled: the handshake is refused with 429")
            raise ConnectRejectedError(429)
        now = self._clock()
        connection = Connection(
            connection_id=new_id(),
            connected_at=now,
            last_active_at=now,
            source_ip=request.source_ip,
            user_agent=request.user_agent,
        )
        route = self._routes.get("$connect")
        event = self._events.connect(connection, headers=request.headers, query=request.query)
        if self._authorizer is not None:
            # Authorization comes before the route's integration and decides alone
            # whether it runs; its result then rides on every event of the connection.
            grant = await self._authorizer.authorize(event, request)
            connection.authorizer = grant.authorizer
            connection.identity = grant.identity
            event["requestContext"].update(self._events.authorization(connection))
        if route is not None:
            try:
                result = await self._invoker.invoke(route, event)
            except HandlerError:
                result = {"statusCode": 500}
            status = _status_of(result)
            connection.subprotocol = _subprotocol_of(result)
            if not 200 <= status < 300:
                _log.info("$connect rejected %s with %d", connection.connection_id, status)
                raise ConnectRejectedError(status)
        self.connections.add(connection)
        return connection

    def open(self, connection_id: str, channel: Channel) -> None:
        """Mark the handshake complete: from now on the connection receives messages."""
        connection = self.connections.get(connection_id)
        if connection is not None:
            connection.channel = channel
            connection.state = State.OPEN

    async def receive(self, connection_id: str, data: str | bytes) -> None:
        """Handle one message from a client: route it, invoke, answer as API Gateway does.

        API Gateway does not accept binary frames from clients: it closes the connection
        with 1003 ("Binary media types for WebSocket APIs", developer guide).
        """
        connection = self.connections.get_open(connection_id)
        if connection is None:
            return
        connection.last_active_at = self._clock()
        if isinstance(data, bytes):
            await self.close(
                connection_id, code=CLOSE_UNSUPPORTED_DATA, reason="Binary frames are not supported"
            )
            return
        if _size(data) > MESSAGE_BYTES:
            await self.close(connection_id, code=CLOSE_MESSAGE_TOO_BIG, reason="Message too big")
            return
        route = self._routes.select(data)
        event = self._events.message(
            connection, route_key=route.key if route else "$default", data=data
        )
        if route is None:
            await self._send_error(connection, event, "Forbidden")
            return
        if self._throttle is not None and not self._throttle.allow(route.key):
            await self._send_error(connection, event, THROTTLED_MESSAGE)
            return
        try:
            result = await self._invoker.invoke(route, event)
        except HandlerError as error:
            await self._send_error(connection, event, error.client_message)
            return
        body = result.get("body") if isinstance(result, Mapping) else None
        if route.two_way_response and isinstance(body, str):
            await self._send_quietly(connection, body)

    async def _send_error(
        self, connection: Connection, event: dict[str, Any], message: str
    ) -> None:
        """Send the error frame API Gateway sends instead of a route's response."""
        error = {
            "message": message,
            "connectionId": connection.connection_id,
            "requestId": event["requestContext"]["requestId"],
        }
        await self._send_quietly(connection, json.dumps(error))

    async def _send_quietly(self, connection: Connection, data: str | bytes) -> None:
        """Send to a connection that may have closed meanwhile; a closed one is skipped."""
        if connection.state is State.OPEN and connection.channel is not None:
            try:
                await connection.channel.send(data)
            except ConnectionError:
                _log.debug("dropped a frame for closing connection %s", connection.connection_id)

    async def disconnect(self, connection_id: str, *, status_code: int, reason: str) -> None:
        """Forget a connection and run `$disconnect` for it, unless that already happened."""
        connection = self.connections.remove(connection_id)
        if connection is not None:
            await self._run_disconnect(connection, status_code=status_code, reason=reason)

    async def close(self, connection_id: str, *, code: int, reason: str) -> None:
        """Close a connection from the server side, then run `$disconnect` once.

        The connection leaves the registry before the close frame goes out, so the
        adapter's own `disconnect` call, when its socket loop ends, finds nothing to do.
        """
        connection = self.connections.remove(connection_id)
        if connection is None:
            return
        if connection.channel is not None:
            await connection.channel.close(code=code, reason=reason)
        await self._run_disconnect(connection, status_code=code, reason=reason)

    async def _run_disconnect(
        self, connection: Connection, *, status_code: int, reason: str
    ) -> None:
        route = self._routes.get("$disconnect")
        if route is None:
            return
        event = self._events.disconnect(connection, status_code=status_code, reason=reason)
        try:
            await self._invoker.invoke(route, event)
        except HandlerError:
            _log.warning("$disconnect failed for %s", connection.connection_id)

    async def post(self, connection_id: str, data: bytes) -> None:
        """`POST @connections/{id}`: send data to a client, as text when it is UTF-8.

        Raises:
            GoneError: No open connection has this id.
            PayloadTooLargeError: The data is over the message quota.
        """
        connection = self.connections.get_open(connection_id)
        if connection is None or connection.channel is None:
            raise GoneError(connection_id)
        if len(data) > MESSAGE_BYTES:
            raise PayloadTooLargeError(f"{len(data)} bytes is over {MESSAGE_BYTES}")
        try:
            frame: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            frame = data
        try:
            await connection.channel.send(frame)
        except ConnectionError as error:
            raise GoneError(connection_id) from error
        connection.last_active_at = self._clock()

    def describe(self, connection_id: str) -> Connection:
        """`GET @connections/{id}`: the open connection's times and identity.

        Raises:
            GoneError: No open connection has this id.
        """
        connection = self.connections.get_open(connection_id)
        if connection is None:
            raise GoneError(connection_id)
        return connection

    async def delete(self, connection_id: str) -> None:
        """`DELETE @connections/{id}`: close the connection; `$disconnect` runs.

        Raises:
            GoneError: No open connection has this id.
        """
        if self.connections.get_open(connection_id) is None:
            raise GoneError(connection_id)
        await self.close(connection_id, code=CLOSE_NORMAL, reason="Connection deleted")

    async def enforce_limits(self) -> None:
        """Close every connection past the idle timeout or the maximum duration (1001)."""
        now = self._clock()
        for connection in self.connections:
            idle = now - connection.last_active_at >= self._idle_timeout
            too_old = now - connection.connected_at >= self._max_duration
            if connection.state is State.OPEN and (idle or too_old):
                reason = "Idle timeout" if idle else "Maximum connection duration"
                await self.close(connection.connection_id, code=CLOSE_GOING_AWAY, reason=reason)

    async def close_all(self) -> None:
        """Close every connection (1001) when the gateway stops, each with `$disconnect`."""
        for connection in self.connections:
            await self.close(connection.connection_id, code=CLOSE_GOING_AWAY, reason="Going away")
