"""An embedded DynamoDB (moto's DynamoDB backend) holding the connections table.

moto's own server (werkzeug's threaded HTTP server and a Flask app) spent about three
quarters of each request's time around the backend (`make bench` profile: 2.6 ms of CPU
per `PutItem`, 0.4 ms of it in moto's DynamoDB code); every `$connect` and `$disconnect`
paid it twice in the gateway's process. Here a small aiohttp server, on its own thread
and event loop, hands each request straight to moto's DynamoDB handler, as moto's
in-process mock does. The gateway's own loop never runs DynamoDB work, and code that
calls the endpoint synchronously (tests reading the table) keeps working.

The table gets the key and TTL attribute the Terraform module gives it, from the
contract the module and the handlers read too, so a record written locally looks like
one written on AWS.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import boto3
from aiohttp import web
from moto.core.request import Request
from moto.dynamodb.responses import DynamoHandler
from werkzeug.exceptions import HTTPException

from local_gateway.contract import HASH_KEY, TTL_ATTRIBUTE

__all__ = ["EmbeddedDynamoDB", "create_table", "local_client"]

# aiohttp computes these itself from the body it sends.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


def local_client(endpoint: str, *, region: str) -> Any:
    """A DynamoDB client for a local endpoint, with dummy credentials."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def create_table(client: Any, *, table_name: str) -> None:
    """Create the connections table as the Terraform module does: key, TTL, on demand."""
    # moto keeps its state per process, not per server: a table left by an earlier
    # gateway in this process (a test run, a crash) would otherwise leak its items.
    if table_name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=table_name)
    client.create_table(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": HASH_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": HASH_KEY, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


async def _dispatch(request: web.Request) -> web.Response:
    """Answer one DynamoDB API call with moto's DynamoDB handler."""
    moto_request = Request.from_primitives(
        request.method, str(request.url), dict(request.headers), await request.read()
    )
    try:
        status, headers, body = DynamoHandler.dispatch(
            moto_request, moto_request.raw_url, moto_request.headers
        )
    except HTTPException as error:  # moto's DynamoDB errors (JsonRESTError and kin)
        status, headers, body = error.code, dict(error.get_headers()), error.get_body()
    kept = {k: str(v) for k, v in headers.items() if k.lower() not in _HOP_HEADERS}
    payload = body.encode("utf-8") if isinstance(body, str) else body
    return web.Response(status=status, headers=kept, body=payload)


class EmbeddedDynamoDB:
    """moto's DynamoDB on 127.0.0.1 and a free port, with the connections table created.

    Args:
        table_name: Name of the connections table.
        region: Region the table is created in (the handlers' region).
    """

    def __init__(self, *, table_name: str, region: str) -> None:
        self._table_name = table_name
        self._region = region
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.endpoint = ""

    def client(self) -> Any:
        """A DynamoDB client for this server, with dummy credentials."""
        return local_client(self.endpoint, region=self._region)

    async def _serve(self, listener: socket.socket) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/", _dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

    def start(self) -> str:
        """Start the server thread, create the table and return the endpoint URL."""
        listener = socket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        host, port = listener.getsockname()[:2]
        self.endpoint = f"http://{host}:{port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dynamodb")
        self._thread.daemon = True
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(listener), self._loop).result()
        create_table(self.client(), table_name=self._table_name)
        return self.endpoint

    def stop(self) -> None:
        """Drop the table (moto's state outlives the server) and stop the server."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None or runner is None:
            return
        self.client().delete_table(TableName=self._table_name)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._thread = self._runner = None
