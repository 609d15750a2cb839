"""The aiohttp adapter: WebSocket and `@connections` on one port, as on AWS.

`ws://HOST:PORT/<stage>` is the stage, `http://HOST:PORT/<stage>/@connections/{id}` the
management API. This module only translates between HTTP/WebSocket and the core's
method calls; every decision is the core's. Error answers carry the status code,
`x-amzn-ErrorType` header and JSON body from which boto3's `apigatewaymanagementapi`
client raises the same exceptions as against AWS.

API Gateway's frame quota (32 KB) is checked on the raw frames, before aiohttp joins
them into messages; the message quota is the core's. No compression is negotiated: AWS
does not document permessage-deflate for WebSocket APIs, and without it a frame's size
is what the client sent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_websocket import WebSocketError

from local_gateway.contract import FRAME_BYTES, MESSAGE_BYTES
from local_gateway.core import (
    CLOSE_NO_STATUS,
    ConnectRejectedError,
    ConnectRequest,
    GatewayCore,
    GoneError,
    PayloadTooLargeError,
)
from local_gateway.registry import Connection

__all__ = ["connection_description", "create_app", "drain_messages"]

_CORE = web.AppKey("core", GatewayCore)
_IN_FLIGHT = web.AppKey("in_flight", set)

# Beyond the core's own message-quota check, aiohttp itself refuses frames (also with 1009).
_FRAME_LIMIT = 4 * MESSAGE_BYTES
_CLOSE_ABNORMAL = 1006
_DATA_OPCODES = (0x0, 0x1, 0x2)  # continuation, text, binary


class _FrameLimit:
    """Stands in front of aiohttp's frame parser and fails any data frame over the quota.

    It reads only frame headers (RFC 6455, section 5.2) and hands every byte on; a
    frame whose payload is over `FRAME_BYTES` ends the stream with 1009, the way
    aiohttp's own size limit does.
    """

    def __init__(self, parser: Any, queue: Any) -> None:
        self._parser = parser
        self._queue = queue
        self._header = bytearray()
        self._skip = 0
        self._tripped = False

    def _oversize(self, data: bytes) -> bool:
        position = 0
        while position < len(data):
            if self._skip:
                step = min(self._skip, len(data) - position)
                self._skip -= step
                position += step
                continue
            self._header.append(data[position])
            position += 1
            header = self._header
            if len(header) < 2:
                continue
            length = header[1] & 0x7F
            extended = 2 if length == 126 else 8 if length == 127 else 0
            if len(header) < 2 + extended + (4 if header[1] & 0x80 else 0):
                continue
            if extended:
                length = int.from_bytes(header[2 : 2 + extended], "big")
            if header[0] & 0x0F in _DATA_OPCODES and length > FRAME_BYTES:
                return True
            self._skip = length
            header.clear()
        return False

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        if not self._tripped and self._oversize(bytes(data)):
            self._tripped = True
            error = WebSocketError(WSCloseCode.MESSAGE_TOO_BIG, "Frame too big")
            self._queue.set_exception(error)
            return True, b""
        if self._tripped:
            return True, b""
        return self._parser.feed_data(data)

    def feed_eof(self) -> None:
        self._parser.feed_eof()


class _WebSocketChannel:
    """The core's `Channel` over an aiohttp WebSocket."""

    def __init__(self, socket: web.WebSocketResponse) -> None:
        self._socket = socket

    async def send(self, data: str | bytes) -> None:
        if self._socket.closed:
            raise ConnectionResetError("the WebSocket is closed")
        if isinstance(data, str):
            await self._socket.send_str(data)
        else:
            await self._socket.send_bytes(data)

    async def close(self, *, code: int, reason: str) -> None:
        await self._socket.close(code=code, message=reason.encode("utf-8"))


def _multi(pairs: object) -> dict[str, list[str]]:
    """Group a multidict's values by key, keeping their order."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs.items():  # type: ignore[attr-defined]
        grouped.setdefault(key, []).append(value)
    return grouped


def _close_status(socket: web.WebSocketResponse) -> tuple[int, str]:
    """The status and reason `$disconnect` reports for a connection the client ended.

    A close frame without a status code is 1005, with the reason API Gateway gives for
    it (its recorded DISCONNECT events); aiohttp reports such a frame as code 0.
    """
    code = socket.close_code
    if code == 0:
        return CLOSE_NO_STATUS, "Client-side close frame status not set"
    code = code or _CLOSE_ABNORMAL
    return code, f"Client-side close frame status code '{code}'"


async def _websocket(request: web.Request) -> web.StreamResponse:
    """Run `$connect` before answering the handshake, then feed frames to the core.

    The 101 carries `Sec-WebSocket-Protocol` only when `$connect` returned it (and the
    client offered it). Otherwise the handshake completes without it, as on API Gateway,
    where a browser that offered a subprotocol then fails the connection: AWS documents
    returning the header ("Setting up a $connect route that requires a WebSocket
    subprotocol", developer guide) but not what happens without it.
    """
    core = request.app[_CORE]
    if not web.WebSocketResponse().can_prepare(request).ok:
        return web.Response(status=426, text="This is a WebSocket stage: connect with ws://\n")
    connect = ConnectRequest(
        headers=_multi(request.headers),
        query=_multi(request.query),
        source_ip=request.remote or "127.0.0.1",
        user_agent=request.headers.get("User-Agent", ""),
        path=request.raw_path,
    )
    try:
        connection = await core.connect(connect)
    except ConnectRejectedError as rejected:
        return web.Response(status=rejected.status)
    connection_id = connection.connection_id
    in_flight = request.app[_IN_FLIGHT]
    socket = web.WebSocketResponse(
        max_msg_size=_FRAME_LIMIT,
        compress=False,
        protocols=(connection.subprotocol,) if connection.subprotocol else (),
    )
    try:
        await socket.prepare(request)
        protocol = request.protocol
        # aiohttp has no hook for frames: its parser is wrapped where the protocol keeps
        # it, and an oversize frame fails the message queue it feeds.
        protocol._payload_parser = _FrameLimit(protocol._payload_parser, socket._reader)
        core.open(connection_id, _WebSocketChannel(socket))
        async for message in socket:
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                # Each message is its own invocation, as on AWS: none waits for another.
                task = asyncio.create_task(core.receive(connection_id, message.data))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
    finally:
        code, reason = _close_status(socket)
        await core.disconnect(connection_id, status_code=code, reason=reason)
    return socket


def _error(status: int, error_type: str, message: str) -> web.Response:
    """An error in the shape boto3's rest-json parser turns into `error_type`."""
    return web.json_response(
        {"message": message}, status=status, headers={"x-amzn-ErrorType": error_type}
    )


def _gone(connection_id: str) -> web.Response:
    return _error(410, "GoneException", f"Connection {connection_id} is gone")


def _iso(epoch_seconds: float) -> str:
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _post_to_connection(request: web.Request) -> web.Response:
    connection_id = request.match_info["connection_id"]
    try:
        await request.app[_CORE].post(connection_id, await request.read())
    except GoneError:
        return _gone(connection_id)
    except PayloadTooLargeError as error:
        return _error(413, "PayloadTooLargeException", str(error))
    return web.Response(status=200)


def connection_description(connection: Connection) -> dict[str, Any]:
    """The body of `GET @connections/{id}`: times in ISO 8601 UTC, and the identity."""
    return {
        "connectedAt": _iso(connection.connected_at),
        "lastActiveAt": _iso(connection.last_active_at),
        "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
    }


async def _get_connection(request: web.Request) -> web.Response:
    connection_id = request.match_info["connection_id"]
    try:
        connection = request.app[_CORE].describe(connection_id)
    except GoneError:
        return _gone(connection_id)
    return web.json_response(connection_description(connection))


async def _delete_connection(request: web.Request) -> web.Response:
    connection_id = request.match_info["connection_id"]
    try:
        await request.app[_CORE].delete(connection_id)
    except GoneError:
        return _gone(connection_id)
    return web.Response(status=204)


def create_app(*, core: GatewayCore, stage: str) -> web.Application:
    """The aiohttp application serving one stage of `core`."""
    app = web.Application(client_max_size=_FRAME_LIMIT)
    app[_CORE] = core
    app[_IN_FLIGHT] = set()
    connections = f"/{stage}/@connections/{{connection_id}}"
    app.add_routes(
        [
            web.get(f"/{stage}", _websocket),
            web.post(connections, _post_to_connection),
            web.get(connections, _get_connection),
            web.delete(connections, _delete_connection),
        ]
    )
    return app


async def drain_messages(app: web.Application) -> None:
    """Wait for the invocations still running for messages already received."""
    in_flight = list(app[_IN_FLIGHT])
    if in_flight:
        await asyncio.gather(*in_flight, return_exceptions=True)
