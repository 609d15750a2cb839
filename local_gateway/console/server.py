"""The console page's side of the gateway: the page itself and the JSON it reads.

Routes, on the gateway's own port and beside the stage (which stays at `/<stage>`):

- `GET /`: the page (`static/index.html`); `/_console/static/*` its script and style.
- `GET /_console/config`: the stage's path and the connections table's name.
- `GET /_console/connections`: every connection in the table or in the gateway, each
  with its table item and what `GET @connections/{id}` answers for it.
- `DELETE /_console/connections/{id}`: what `DELETE @connections/{id}` does (the client
  gets a close frame, `$disconnect` runs).
- `GET /_console/logs`: the functions' log lines as Server-Sent Events, the recent ones
  and then each new one.

The connection endpoints call the gateway's core, the same calls the `@connections`
routes make, rather than those routes over HTTP: a browser cannot sign a request with
SigV4, which the management API may demand as API Gateway does.

The page is static: no build step, nothing fetched from elsewhere. Its
Content-Security-Policy lets it load only its own script and style and connect only to
this gateway (`connect-src`, which governs `fetch`, `WebSocket` and `EventSource`:
https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy/connect-src).
The gateway's WebSocket origin is listed beside `'self'` because only CSP Level 3 counts
`ws:` of the same host as `'self'` (https://www.w3.org/TR/CSP3/#changes-from-level-2),
and browsers that follow Level 2, Safari among them, do not (MDN's note on that page).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web

from local_gateway.aiohttp_adapter import connection_description
from local_gateway.console_log import ConsoleLog
from local_gateway.contract import HASH_KEY
from local_gateway.core import GatewayCore, GoneError
from local_gateway.dynamodb import EmbeddedDynamoDB

__all__ = ["CONSOLE_PREFIX", "ConnectionsTable", "add_console"]

CONSOLE_PREFIX = "/_console"

_STATIC = Path(__file__).parent / "static"
# The only files the page consists of, with their media types: nothing else is served.
_ASSETS = {
    "index.html": "text/html",
    "console.js": "text/javascript",
    "console.css": "text/css",
}
# A Host header fit to go into the policy as a host-source (name or address, and port).
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

_STATE = web.AppKey("console", dict)


def _policy(request: web.Request) -> str:
    """The page's Content-Security-Policy: its own files and this gateway, nothing else."""
    connect = ["'self'"]
    if _HOST.match(request.host):
        connect.append(f"{'wss' if request.secure else 'ws'}://{request.host}")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {' '.join(connect)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _json_value(value: Any) -> Any:
    """For `json.dumps`: DynamoDB's numbers, binaries and sets as plain JSON values."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    from boto3.dynamodb.types import Binary  # noqa: PLC0415 - loaded by `scan` already

    if isinstance(value, Binary | bytes):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_dumps = functools.partial(json.dumps, default=_json_value)


class ConnectionsTable:
    """Reads the connections table of the embedded DynamoDB, as the handlers wrote it.

    Args:
        dynamodb: The running embedded DynamoDB.
        table_name: The connections table's name.
    """

    def __init__(self, *, dynamodb: EmbeddedDynamoDB, table_name: str) -> None:
        self._dynamodb = dynamodb
        self.table_name = table_name
        self._client: Any = None
        self._deserializer: Any = None

    def scan(self) -> list[dict[str, Any]]:
        """Every item, deserialized (blocking: call it off the event loop)."""
        if self._client is None:
            # boto3 on first use: the gateway's start-up does not wait for it.
            from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

            self._client = self._dynamodb.client()
            self._deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        for page in self._client.get_paginator("scan").paginate(TableName=self.table_name):
            for item in page["Items"]:
                items.append({k: self._deserializer.deserialize(v) for k, v in item.items()})
        return items


def _state(request: web.Request) -> dict[str, Any]:
    return request.app[_STATE]


def _asset(name: str, request: web.Request) -> web.Response:
    return web.Response(
        body=(_STATIC / name).read_bytes(),
        content_type=_ASSETS[name],
        charset="utf-8",
        headers={
            "Content-Security-Policy": _policy(request),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


async def _page(request: web.Request) -> web.Response:
    return _asset("index.html", request)


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _ASSETS or name == "index.html":
        raise web.HTTPNotFound(text=f"no console file {name!r}\n")
    return _asset(name, request)


async def _config(request: web.Request) -> web.Response:
    state = _state(request)
    return web.json_response(
        {"stage": state["stage"], "connectionsTable": state["table"].table_name}
    )


def _rows(core: GatewayCore, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join the table's items with the gateway's connections by connection id.

    A connection can be in one and not the other: `$connect` is still running, a
    handler forgot to delete its item, or a route stores nothing at all. Each row says
    what `GET @connections/{id}` answers for it: 200 with the description, or 410.
    """
    by_id: dict[str, dict[str, Any]] = {}
    for item in items:
        connection_id = str(item.get(HASH_KEY, ""))
        by_id[connection_id] = {"connectionId": connection_id, "item": item}
    for connection in core.connections:
        by_id.setdefault(
            connection.connection_id, {"connectionId": connection.connection_id, "item": None}
        )
    rows = []
    for connection_id, row in by_id.items():
        try:
            described = connection_description(core.describe(connection_id))
        except GoneError:
            row["management"] = {"status": 410, "body": None}
        else:
            row["management"] = {"status": 200, "body": described}
        known = core.connections.get(connection_id)
        row["state"] = known.state.value if known is not None else "gone"
        rows.append(row)
    return sorted(rows, key=lambda row: (row["management"]["body"] or {}).get("connectedAt", ""))


async def _connections(request: web.Request) -> web.Response:
    state = _state(request)
    items = await asyncio.to_thread(state["table"].scan)
    return web.json_response({"connections": _rows(state["core"], items)}, dumps=_dumps)


async def _delete(request: web.Request) -> web.Response:
    connection_id = request.match_info["connection_id"]
    try:
        await _state(request)["core"].delete(connection_id)
    except GoneError:
        return web.json_response({"message": f"Connection {connection_id} is gone"}, status=410)
    return web.Response(status=204)


def _event(data: str, *, name: str | None = None) -> bytes:
    """One Server-Sent Event: JSON data keeps a line's own CR or LF from ending it early.

    A CR or LF ends a field of the event stream, and a blank line the event
    (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream).
    """
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


async def _next_line(queue: asyncio.Queue[str], stopping: asyncio.Event) -> str | None:
    """The next log line, or None once the gateway is stopping."""
    getter = asyncio.ensure_future(queue.get())
    stopper = asyncio.ensure_future(stopping.wait())
    done, pending = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return getter.result() if getter in done else None


async def _logs(request: web.Request) -> web.StreamResponse:
    """Stream the log: a `reset` event, the recent lines, then every new line as it comes.

    `EventSource` reconnects by itself; the `reset` tells the page to drop what it shows,
    since the recent lines come again.
    """
    state = _state(request)
    log: ConsoleLog = state["log"]
    queue = log.subscribe()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    try:
        await response.prepare(request)
        await response.write(_event("", name="reset"))
        for line in log.recent():
            await response.write(_event(line))
        while (line := await _next_line(queue, state["stopping"])) is not None:
            await response.write(_event(line))
    except ConnectionError:
        pass  # the page went away
    finally:
        log.unsubscribe(queue)
    return response


async def _stop_streams(app: web.Application) -> None:
    """End the log streams, so stopping the gateway does not wait for open pages."""
    app[_STATE]["stopping"].set()


def add_console(
    app: web.Application,
    *,
    core: GatewayCore,
    table: ConnectionsTable,
    log: ConsoleLog,
    stage: str,
) -> None:
    """Serve the console page and its endpoints from `app`, the stage's application.

    Args:
        app: The gateway's application, before it is started.
        core: The stage's core, which the connection endpoints call.
        table: The connections table the page lists.
        log: Where the functions' log lines come from.
        stage: The stage name, so the page knows the stage's path.
    """
    app[_STATE] = {
        "core": core,
        "table": table,
        "log": log,
        "stage": stage,
        "stopping": asyncio.Event(),
    }
    app.on_shutdown.append(_stop_streams)
    app.add_routes(
        [
            web.get("/", _page),
            web.get(f"{CONSOLE_PREFIX}/static/{{name}}", _static),
            web.get(f"{CONSOLE_PREFIX}/config", _config),
            web.get(f"{CONSOLE_PREFIX}/connections", _connections),
            web.delete(f"{CONSOLE_PREFIX}/connections/{{connection_id}}", _delete),
            web.get(f"{CONSOLE_PREFIX}/logs", _logs),
        ]
    )
