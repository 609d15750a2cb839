"""`$default`: send the received message back to its sender, unchanged."""

from __future__ import annotations

from typing import Any

from websocket_handlers import config, logs, responses, sender
from websocket_handlers.connections import ConnectionStore
from websocket_handlers.entry import websocket_handler
from websocket_handlers.events import WebSocketEvent
from websocket_handlers.responses import Response

SETTINGS = config.load_settings(sends_messages=True)
STORE = ConnectionStore.from_settings(SETTINGS)
LOGGER = logs.get_logger(__name__)


def echo(client: Any, store: ConnectionStore, connection_id: str, message: str) -> Response:
    """Post `message` to `connection_id`; a sender that has gone is forgotten.

    Errors other than 410 propagate: the entry point logs them and Lambda
    records the failure.
    """
    data = message.encode("utf-8")
    if sender.post_or_forget(client, store, connection_id, data):
        LOGGER.info("Echoed the message", extra={"bytes": len(data)})
        return responses.ok("Sent")
    LOGGER.warning("The sender has gone; its record was deleted")
    return responses.ok("Sender gone")


@websocket_handler(LOGGER)
def handler(event: WebSocketEvent) -> Response:
    """Lambda entry point for `$default`."""
    message = event.text_body()
    client = sender.management_client(SETTINGS, event)
    return echo(client, STORE, event.connection_id, message)
