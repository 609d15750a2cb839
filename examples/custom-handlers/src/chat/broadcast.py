"""`broadcast`: send a chat message to every live connection.

The client sends `{"action": "broadcast", "message": "..."}`; every connection
whose record has not expired receives the message text. Sends run concurrently
on a bounded pool sharing one client (boto3 clients are thread-safe), so one
slow or gone client does not hold up the rest; connections that answer 410 are
forgotten, as echo does. The store, the sender and the entry point are the
module's own `websocket_handlers`, reused rather than copied.
"""

from __future__ import annotations

import contextvars
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from websocket_handlers import config, logs, responses, sender
from websocket_handlers.connections import ConnectionStore
from websocket_handlers.entry import websocket_handler
from websocket_handlers.events import BadRequestError, WebSocketEvent
from websocket_handlers.responses import Response

__all__ = ["BroadcastResult", "broadcast", "handler", "parse_message"]

# Below botocore's default connection pool (10), so no send waits for a socket.
MAX_WORKERS = 8

SETTINGS = config.load_settings(sends_messages=True)
STORE = ConnectionStore.from_settings(SETTINGS)
LOGGER = logs.get_logger(__name__)


@dataclass(frozen=True)
class BroadcastResult:
    """How a broadcast went: connections reached, gone, and failed otherwise."""

    sent: int
    gone: int
    failed: int


def parse_message(body: str) -> str:
    """The `message` of a broadcast request.

    Raises:
        BadRequestError: the body is not a JSON object with a non-empty string
            `message`.
    """
    try:
        request = json.loads(body)
    except json.JSONDecodeError as error:
        raise BadRequestError(f"body is not JSON: {error}") from error
    message = request.get("message") if isinstance(request, dict) else None
    if not isinstance(message, str) or not message:
        raise BadRequestError('body needs a non-empty string "message"')
    return message


def broadcast(
    client: Any, store: ConnectionStore, data: bytes, *, max_workers: int = MAX_WORKERS
) -> BroadcastResult:
    """Send `data` to every live connection concurrently.

    A failure other than 410 for one connection is logged and counted, and does
    not stop delivery to the others.
    """
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        # Each task runs in a copy of this invocation's context, so its log
        # lines keep the requestId of the broadcast.
        futures = {
            connection_id: pool.submit(
                contextvars.copy_context().run,
                sender.post_or_forget,
                client,
                store,
                connection_id,
                data,
            )
            for connection_id in store.live_connection_ids()
        }
    sent = gone = failed = 0
    for connection_id, future in futures.items():
        error = future.exception()
        if error is not None:
            failed += 1
            LOGGER.error(
                "Could not send to a connection",
                exc_info=error,
                extra={"targetConnectionId": connection_id},
            )
        elif future.result():
            sent += 1
        else:
            gone += 1
    return BroadcastResult(sent=sent, gone=gone, failed=failed)


@websocket_handler(LOGGER)
def handler(event: WebSocketEvent) -> Response:
    """Lambda entry point for the `broadcast` route."""
    message = parse_message(event.text_body())
    client = sender.management_client(SETTINGS, event)
    result = broadcast(client, STORE, message.encode("utf-8"))
    LOGGER.info("Broadcast done", extra=vars(result))
    return responses.ok(f"Sent to {result.sent} connections")
