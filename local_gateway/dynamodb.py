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

The same endpoint answers SSM Parameter Store and Secrets Manager calls (moto's handlers
for them, picked by the request's `X-Amz-Target`, as all three speak AWS's JSON
protocol), so a function reading its secret by ARN, like the example authorizer, finds
what `local_gateway.secret_store` put there.

Start-up: importing moto's handlers takes longer than the whole start-up may (`python
-X importtime`: about 1.5 s, most of it SSM's handler, which imports moto's EC2
models). So `start` only binds the port and serves it: moto's DynamoDB handler is
imported and the table created on a thread of its own at once, a request that arrives
before that is done waits for it, and the SSM and Secrets Manager handlers are imported
on their first request. The gateway creates the table by calling moto's handler
directly, without a boto3 client, which would cost its start-up another 0.1 s or more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import json
import logging
import socket
import threading
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from local_gateway.contract import HASH_KEY, TTL_ATTRIBUTE

__all__ = ["EmbeddedDynamoDB", "create_table", "local_client", "table_definition"]

_LOG = logging.getLogger(__name__)

# The services this endpoint serves, by the prefix of the `X-Amz-Target` of their calls:
# the module and class of moto's handler, imported on first use.
_HANDLERS: dict[str, tuple[str, str]] = {
    "DynamoDB_": ("moto.dynamodb.responses", "DynamoHandler"),
    "AmazonSSM.": ("moto.ssm.responses", "SimpleSystemManagerResponse"),
    "secretsmanager.": ("moto.secretsmanager.responses", "SecretsManagerResponse"),
}
_DYNAMODB = "DynamoDB_"
_loaded: dict[str, Any] = {}

# aiohttp computes these itself from the body it sends.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

# How long a caller waits for the table before it is told the endpoint is broken.
_READY_TIMEOUT_SECONDS = 120.0


def _handler(prefix: str) -> Any:
    """moto's handler class for one service, imported the first time it is asked for."""
    found = _loaded.get(prefix)
    if found is None:
        module_name, name = _HANDLERS[prefix]
        found = _loaded[prefix] = getattr(importlib.import_module(module_name), name)
    return found


def _service(target: str) -> str:
    """The `_HANDLERS` key of a call's `X-Amz-Target` (DynamoDB's when none matches)."""
    return next((prefix for prefix in _HANDLERS if target.startswith(prefix)), _DYNAMODB)


def _answer(
    prefix: str, url: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One API call answered by moto's handler: status, headers and body."""
    from moto.core.request import Request  # noqa: PLC0415 - moto loads on first use (above)
    from werkzeug.exceptions import HTTPException  # noqa: PLC0415

    moto_request = Request.from_primitives("POST", url, dict(headers), body)
    try:
        status, answer_headers, answer = _handler(prefix).dispatch(
            moto_request, moto_request.raw_url, moto_request.headers
        )
    except HTTPException as error:  # moto's service errors (JsonRESTError and kin)
        status, answer_headers, answer = error.code, dict(error.get_headers()), error.get_body()
    kept = {k: str(v) for k, v in answer_headers.items() if k.lower() not in _HOP_HEADERS}
    return status, kept, answer.encode("utf-8") if isinstance(answer, str) else answer


def local_client(endpoint: str, *, region: str) -> Any:
    """A DynamoDB client for a local endpoint, with dummy credentials."""
    import boto3  # noqa: PLC0415 - not needed before the gateway serves

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def table_definition(table_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `CreateTable` and `UpdateTimeToLive` requests that make the connections table
    as the Terraform module does: key, on-demand billing, TTL."""
    return (
        {
            "TableName": table_name,
            "AttributeDefinitions": [{"AttributeName": HASH_KEY, "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": HASH_KEY, "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": table_name,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        },
    )


def create_table(client: Any, *, table_name: str) -> None:
    """Create the connections table as the Terraform module does: key, TTL, on demand.

    Args:
        client: A boto3 DynamoDB client, or anything with its `list_tables`,
            `delete_table`, `create_table` and `update_time_to_live` methods.
    """
    # moto keeps its state per process, not per server: a table left by an earlier
    # gateway in this process (a test run, a crash) would otherwise leak its items.
    if table_name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=table_name)
    table, time_to_live = table_definition(table_name)
    client.create_table(**table)
    client.update_time_to_live(**time_to_live)


class _DirectClient:
    """The gateway's own DynamoDB calls, straight to moto's handler: `list_tables(...)`
    calls the `ListTables` operation with those parameters, as a boto3 client would.

    Args:
        url: The endpoint the calls are addressed to.
        region: The region they are signed for (moto reads it from the credential scope).
    """

    def __init__(self, *, url: str, region: str) -> None:
        self._url = url
        self._headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20000101/{region}/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        }

    def __getattr__(self, method: str) -> Any:
        operation = "".join(part.title() for part in method.split("_"))

        def call(**parameters: Any) -> dict[str, Any]:
            headers = {**self._headers, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
            status, _, body = _answer(
                _DYNAMODB, self._url, headers, json.dumps(parameters).encode()
            )
            if status >= 300:
                raise RuntimeError(f"DynamoDB {operation} failed ({status}): {body.decode()}")
            return json.loads(body) if body else {}

        return call


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
        self._ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.endpoint = ""

    def client(self) -> Any:
        """A DynamoDB client for this server, with dummy credentials."""
        return local_client(self.endpoint, region=self._region)

    def _direct(self) -> _DirectClient:
        return _DirectClient(url=f"{self.endpoint}/", region=self._region)

    async def _dispatch(self, request: web.Request) -> web.Response:
        """Answer one DynamoDB, SSM or Secrets Manager API call with moto's handler for it,
        once the table exists."""
        if not self._ready.done():
            await asyncio.wrap_future(self._ready)
        prefix = _service(request.headers.get("X-Amz-Target", ""))
        if prefix not in _loaded:
            # A first SSM or Secrets Manager call: import its handler off this loop, so
            # DynamoDB calls go on meanwhile.
            await asyncio.get_running_loop().run_in_executor(None, _handler, prefix)
        status, headers, body = _answer(
            prefix, str(request.url), request.headers, await request.read()
        )
        return web.Response(status=status, headers=headers, body=body)

    async def _serve(self, listener: socket.socket) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

    def _prepare(self) -> None:
        """Import moto's DynamoDB handler and create the table (the start-up's slow part)."""
        try:
            create_table(self._direct(), table_name=self._table_name)
        except BaseException as error:
            _LOG.exception("the embedded DynamoDB could not create its table")
            self._ready.set_exception(error)
        else:
            self._ready.set_result(None)

    def start(self) -> str:
        """Serve on a free port, start creating the table, and return the endpoint URL.

        Calls made before the table exists wait for it (`wait_ready`).
        """
        listener = socket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        host, port = listener.getsockname()[:2]
        self.endpoint = f"http://{host}:{port}"
        self._ready = concurrent.futures.Future()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dynamodb")
        self._thread.daemon = True
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(listener), self._loop).result()
        threading.Thread(target=self._prepare, name="dynamodb-prepare", daemon=True).start()
        return self.endpoint

    def wait_ready(self, timeout: float = _READY_TIMEOUT_SECONDS) -> None:
        """Block until the table exists.

        Raises:
            Exception: What creating it raised.
        """
        self._ready.result(timeout)

    def stop(self) -> None:
        """Drop the table (moto's state outlives the server) and stop the server."""
        loop, thread, runner = self._loop, self._thread, self._runner
        if loop is None or thread is None or runner is None:
            return
        with contextlib.suppress(Exception):  # a failure was logged by `_prepare`
            self.wait_ready()
        if self._ready.done() and self._ready.exception() is None:
            self._direct().delete_table(TableName=self._table_name)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._thread = self._runner = None
