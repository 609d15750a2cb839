"""Builds the Lambda events API Gateway sends for CONNECT, MESSAGE and DISCONNECT.

Handlers read these through their own accessor exactly as they read AWS's events, so
every field AWS documents for WebSocket proxy integrations is filled in.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from local_gateway.registry import Connection, new_id

__all__ = ["LambdaEventBuilder"]


def _request_time(epoch_seconds: float) -> str:
    """Format a time as API Gateway's `requestTime` (`25/Nov/2025:23:20:00 +0000`)."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_seconds))


class LambdaEventBuilder:
    """Builds the event for each invocation of a connection's routes.

    Args:
        stage: The stage name put in `requestContext.stage`.
        api_id: The API id put in `requestContext.apiId`.
        domain_name: What the client connected to (`host:port` locally).
        clock: Epoch seconds; injectable so tests can move time.
    """

    def __init__(
        self,
        *,
        stage: str,
        api_id: str,
        domain_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stage = stage
        self._api_id = api_id
        self._domain_name = domain_name
        self._clock = clock

    def _request_context(
        self, connection: Connection, *, route_key: str, event_type: str
    ) -> dict[str, Any]:
        now = self._clock()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "connectionId": connection.connection_id,
            "connectedAt": int(connection.connected_at * 1000),
            "requestId": new_id(),
            "extendedRequestId": new_id(),
            "requestTime": _request_time(now),
            "requestTimeEpoch": int(now * 1000),
            "domainName": self._domain_name,
            "stage": self._stage,
            "apiId": self._api_id,
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
        }

    def connect(
        self,
        connection: Connection,
        *,
        headers: Mapping[str, Sequence[str]],
        query: Mapping[str, Sequence[str]],
    ) -> dict[str, Any]:
        """Event for `$connect`: the handshake's headers and query string, as AWS sends them.

        AWS omits the query string fields when the URL has none; so does this.
        """
        event: dict[str, Any] = {
            "headers": {name: values[-1] for name, values in headers.items()},
            "multiValueHeaders": {name: list(values) for name, values in headers.items()},
            "requestContext": self._request_context(
                connection, route_key="$connect", event_type="CONNECT"
            ),
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = {name: values[-1] for name, values in query.items()}
            event["multiValueQueryStringParameters"] = {
                name: list(values) for name, values in query.items()
            }
        return event

    def message(
        self, connection: Connection, *, route_key: str, data: str | bytes
    ) -> dict[str, Any]:
        """Event for a message route; a binary frame arrives base64-encoded, as on AWS."""
        context = self._request_context(connection, route_key=route_key, event_type="MESSAGE")
        context["messageId"] = new_id()
        binary = isinstance(data, bytes)
        body = base64.b64encode(data).decode("ascii") if binary else data
        return {"requestContext": context, "body": body, "isBase64Encoded": binary}

    def disconnect(
        self, connection: Connection, *, status_code: int, reason: str
    ) -> dict[str, Any]:
        """Event for `$disconnect`, saying how the connection ended."""
        context = self._request_context(
            connection, route_key="$disconnect", event_type="DISCONNECT"
        )
        context["disconnectStatusCode"] = status_code
        context["disconnectReason"] = reason
        return {"requestContext": context, "isBase64Encoded": False}
