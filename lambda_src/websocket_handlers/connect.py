"""`$connect`: record the new connection, or reject the handshake."""

from __future__ import annotations

from websocket_handlers import config, logs, responses
from websocket_handlers.connections import ConnectionStore, StoreError
from websocket_handlers.entry import websocket_handler
from websocket_handlers.events import WebSocketEvent
from websocket_handlers.responses import Response

SETTINGS = config.load_settings()
STORE = ConnectionStore.from_settings(SETTINGS)
LOGGER = logs.get_logger(__name__)


def connect(
    store: ConnectionStore, connection_id: str, connected_at: int, principal: str | None = None
) -> Response:
    """Store the connection and its authorized principal; a 500 rejects the handshake if
    it could not be stored.

    A client whose record is missing would never receive a broadcast, so it is
    better refused now than half-connected. The principal is stored so that later
    routes and backends can tell whose connection it is without the token.
    """
    try:
        ttl = store.put(connection_id, connected_at, principal)
    except StoreError:
        LOGGER.exception("Could not store the connection; rejecting the handshake")
        return responses.server_error()
    LOGGER.info("Connection stored", extra={"ttl": ttl})
    return responses.ok("Connected")


@websocket_handler(LOGGER)
def handler(event: WebSocketEvent) -> Response:
    """Lambda entry point for `$connect`."""
    return connect(STORE, event.connection_id, event.connected_at, event.principal)
