"""The live connections, with the facts the `@connections` API reports about them."""

from __future__ import annotations

import base64
import enum
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Channel", "Connection", "ConnectionRegistry", "State", "new_id"]


def new_id() -> str:
    """Return a random id shaped like API Gateway's connection and request ids.

    16 characters ending in `=`, from the URL-safe alphabet: an id is a path segment of
    `@connections/{id}`, and a `/` or `+` in it breaks that URL in some clients.
    """
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


class Channel(Protocol):
    """The socket side of one connection, implemented by the network adapter."""

    async def send(self, data: str | bytes) -> None:
        """Send one text (str) or binary (bytes) message to the client."""

    async def close(self, *, code: int, reason: str) -> None:
        """Close the connection with a WebSocket close code."""


class State(enum.Enum):
    """Where a connection is: `$connect` running, open, or gone."""

    CONNECTING = "connecting"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(kw_only=True)
class Connection:
    """One client connection; times are epoch seconds so limits and events share a clock."""

    connection_id: str
    connected_at: float
    last_active_at: float
    source_ip: str
    user_agent: str
    state: State = State.CONNECTING
    channel: Channel | None = None
    # The subprotocol `$connect` chose by returning a `Sec-WebSocket-Protocol` header.
    subprotocol: str | None = None
    # What `$connect`'s authorization decided, carried by every event of the connection:
    # `requestContext.authorizer` (None without a Lambda authorizer) and the fields an
    # AWS_IAM signer adds to `requestContext.identity`.
    authorizer: dict[str, Any] | None = None
    identity: dict[str, str] = field(default_factory=dict)


class ConnectionRegistry:
    """Connections by id; a closed connection leaves it, so its id answers 410 from then on."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        """Register a connection whose `$connect` is about to run."""
        self._connections[connection.connection_id] = connection

    def get(self, connection_id: str) -> Connection | None:
        """Return the connection with this id while it is connecting or open."""
        return self._connections.get(connection_id)

    def get_open(self, connection_id: str) -> Connection | None:
        """Return the connection only once its handshake has completed."""
        connection = self._connections.get(connection_id)
        return connection if connection and connection.state is State.OPEN else None

    def remove(self, connection_id: str) -> Connection | None:
        """Take a connection out and mark it closed; None if it was already gone.

        Whoever gets the connection back is the one who runs `$disconnect`, which is how
        it runs exactly once however many ways the connection ends at the same time.
        """
        connection = self._connections.pop(connection_id, None)
        if connection is not None:
            connection.state = State.CLOSED
        return connection

    def __iter__(self) -> Iterator[Connection]:
        return iter(list(self._connections.values()))

    def __len__(self) -> int:
        return len(self._connections)
