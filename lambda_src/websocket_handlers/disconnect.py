"""`$disconnect`: forget the connection."""

from __future__ import annotations

from websocket_handlers import config, logs, responses
from websocket_handlers.connections import ConnectionStore, StoreError
from websocket_handlers.entry import websocket_handler
from websocket_handlers.events import WebSocketEvent
from websocket_handlers.responses import Response

SETTINGS = config.load_settings()
STORE = ConnectionStore.from_settings(SETTINGS)
LOGGER = logs.get_logger(__name__)


def disconnect(store: ConnectionStore, connection_id: str) -> Response:
    """Delete the record; a failure is logged and left to the table's TTL.

    The client is already gone and API Gateway ignores this response, so there is
    no one to tell and nothing to retry: the record expires on its own.
    """
    try:
        store.delete(connection_id)
    except StoreError:
        LOGGER.exception("Could not delete the connection; its TTL will remove it")
        return responses.server_error()
    LOGGER.info("Connection removed")
    return responses.ok("Disconnected")


@websocket_handler(LOGGER)
def handler(event: WebSocketEvent) -> Response:
    """Lambda entry point for `$disconnect`."""
    return disconnect(STORE, event.connection_id)
