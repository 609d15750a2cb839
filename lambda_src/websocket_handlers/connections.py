"""The connection store: one DynamoDB item per open WebSocket connection.

Items are `{connectionId: S, connectedAt: N (ms), ttl: N (epoch seconds)}`, plus
`principal: S` when `$connect` was authorized (the authorizer's `principalId`, or
the IAM caller's ARN); the key, TTL and principal names are in `contract.json`.
`$disconnect` is best-effort in API Gateway, so every item carries a `ttl`, and
DynamoDB's TTL deletes records of connections that vanished without one. TTL
deletion is eventual (often hours late), so readers of the whole table skip
items whose `ttl` has passed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from websocket_handlers import clients
from websocket_handlers.config import Settings
from websocket_handlers.contract import HASH_KEY, PRINCIPAL_ATTRIBUTE, TTL_ATTRIBUTE

__all__ = ["ConnectionStore", "StoreError", "expiry"]

# Not a key: only the handlers read and write it, so it is theirs alone.
_CONNECTED_AT_ATTRIBUTE = "connectedAt"


class StoreError(RuntimeError):
    """DynamoDB could not be reached or refused the request."""


def expiry(now: float, ttl_seconds: int) -> int:
    """The `ttl` value for a record written at `now`: whole epoch seconds."""
    return int(now) + ttl_seconds


class ConnectionStore:
    """Reads and writes connection records in one table."""

    def __init__(self, *, table_name: str, ttl_seconds: int) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionStore:
        """The store the deployment's settings describe."""
        return cls(
            table_name=settings.connections_table, ttl_seconds=settings.connection_ttl_seconds
        )

    def put(self, connection_id: str, connected_at: int, principal: str | None = None) -> int:
        """Record an open connection, with who was authorized to open it; return the `ttl` written.

        Raises:
            StoreError: the item could not be written.
        """
        ttl = expiry(time.time(), self.ttl_seconds)
        item = {
            HASH_KEY: {"S": connection_id},
            _CONNECTED_AT_ATTRIBUTE: {"N": str(connected_at)},
            TTL_ATTRIBUTE: {"N": str(ttl)},
        }
        if principal is not None:
            item[PRINCIPAL_ATTRIBUTE] = {"S": principal}
        self._call("put_item", TableName=self.table_name, Item=item)
        return ttl

    def delete(self, connection_id: str) -> None:
        """Forget a connection; deleting one that is not there is not an error.

        Raises:
            StoreError: the delete could not be carried out.
        """
        self._call("delete_item", TableName=self.table_name, Key={HASH_KEY: {"S": connection_id}})

    def live_connection_ids(self) -> Iterator[str]:
        """Every connection whose record has not expired, page by page.

        Items without a `ttl` never expire, as for DynamoDB's own TTL.

        Raises:
            StoreError: a page could not be read.
        """
        pages = (
            clients.client("dynamodb")
            .get_paginator("scan")
            .paginate(
                TableName=self.table_name,
                ProjectionExpression="#key",
                FilterExpression="attribute_not_exists(#ttl) OR #ttl > :now",
                ExpressionAttributeNames={"#key": HASH_KEY, "#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(int(time.time()))}},
            )
        )
        try:
            for page in pages:
                for item in page.get("Items", []):
                    yield item[HASH_KEY]["S"]
        except (BotoCoreError, ClientError) as error:
            raise StoreError(f"scanning {self.table_name} failed: {error}") from error

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(clients.client("dynamodb"), method)(*args, **kwargs)
        except (BotoCoreError, ClientError) as error:
            raise StoreError(f"{method} on {self.table_name} failed: {error}") from error
