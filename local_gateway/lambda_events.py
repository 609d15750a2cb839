"""Builds the Lambda events API Gateway sends for CONNECT, MESSAGE and DISCONNECT.

Handlers read these through their own accessor exactly as they read AWS's events, so
every field AWS documents for WebSocket proxy integrations is filled in. The shapes follow
events recorded from API Gateway (for instance the `$connect` events in
https://gist.github.com/noid11/4aa8933d0b5cdbcc09d377c5d65d28c1 and
https://gist.github.com/ran-isenberg/7c73a1db17a5d47ac5da5e19f0a3529f): `requestId` is
the same as `extendedRequestId` (as the WebSocket mapping template reference says of
`$context.requestId`), and `$connect` gets the handshake's headers with `Host`,
`X-Amzn-Trace-Id` and the `X-Forwarded-*` headers API Gateway adds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from local_gateway.registry import Connection, new_id

__all__ = ["LambdaEventBuilder"]


# The headers API Gateway puts on a `$connect` event itself; a client's own are replaced.
_ADDED_HEADERS = ("X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto")


def _trace_id(epoch_seconds: float) -> str:
    """An X-Ray trace header as API Gateway adds it: `Root=1-<8 hex time>-<24 hex>`."""
    return f"Root=1-{int(epoch_seconds):08x}-{secrets.token_hex(12)}"


def _single_and_multi(
    headers: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """`headers` (last value of each) and `multiValueHeaders` (all of them), as AWS sends."""
    return (
        {name: values[-1] for name, values in headers.items()},
        {name: list(values) for name, values in headers.items()},
    )


def _request_time(epoch_seconds: float) -> str:
    """Format a time as API Gateway's `requestTime` (`25/Nov/2025:23:20:00 +0000`)."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_seconds))


class LambdaEventBuilder:
    """Builds the event for each invocation of a connection's routes.

    Args:
        stage: The stage name put in `requestContext.stage`.
        api_id: The API id put in `requestContext.apiId`.
        domain_name: The API's `host:port` (locally the TLS listener's): `domainName`,
            and the `Host` of events without a handshake.
        forwarded_port: The port the stage's clients connect to, for
            `X-Forwarded-Port`; default: `domain_name`'s.
        clock: Epoch seconds; injectable so tests can move time.
    """

    def __init__(
        self,
        *,
        stage: str,
        api_id: str,
        domain_name: str,
        forwarded_port: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stage = stage
        self._api_id = api_id
        self._domain_name = domain_name
        self._forwarded_port = str(forwarded_port or domain_name.rpartition(":")[2] or "80")
        self._clock = clock

    def _request_context(
        self, connection: Connection, *, route_key: str, event_type: str
    ) -> dict[str, Any]:
        now = self._clock()
        request_id = new_id()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "messageDirection": "IN",
            "connectionId": connection.connection_id,
            "connectedAt": int(connection.connected_at * 1000),
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": _request_time(now),
            "requestTimeEpoch": int(now * 1000),
            "domainName": self._domain_name,
            "stage": self._stage,
            "apiId": self._api_id,
            **self.authorization(connection),
        }

    def authorization(self, connection: Connection) -> dict[str, Any]:
        """The request context fields `$connect`'s authorization decides for a connection.

        `identity` always (with an AWS_IAM caller's fields when there is one), and
        `authorizer` when a Lambda authorizer allowed the connection: API Gateway puts
        the same on `$connect` and on every later event of the connection.
        """
        fields: dict[str, Any] = {
            "identity": {
                "sourceIp": connection.source_ip,
                "userAgent": connection.user_agent,
                **connection.identity,
            }
        }
        if connection.authorizer is not None:
            fields["authorizer"] = dict(connection.authorizer)
        return fields

    def connect(
        self,
        connection: Connection,
        *,
        headers: Mapping[str, Sequence[str]],
        query: Mapping[str, Sequence[str]],
    ) -> dict[str, Any]:
        """Event for `$connect`: the handshake's headers and query string, as AWS sends them.

        AWS omits the query string fields when the URL has none; so does this. Locally the
        client speaks plain `ws://`, so `X-Forwarded-Proto` is `http` and the port is
        the gateway's own.
        """
        event_headers = self.connect_headers(connection, headers)
        single, multi = _single_and_multi(event_headers)
        event: dict[str, Any] = {
            "headers": single,
            "multiValueHeaders": multi,
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

    def connect_headers(
        self, connection: Connection, headers: Mapping[str, Sequence[str]]
    ) -> dict[str, list[str]]:
        """The handshake's headers as API Gateway passes them on, with those it adds."""
        added = {name.lower() for name in (*_ADDED_HEADERS, "Host")}
        forwarded_for = [
            value
            for name, values in headers.items()
            if name.lower() == "x-forwarded-for"
            for value in values
        ]
        result = {
            name: list(values) for name, values in headers.items() if name.lower() not in added
        }
        host = [
            value for name, values in headers.items() if name.lower() == "host" for value in values
        ]
        result["Host"] = host[-1:] or [self._domain_name]
        result["X-Amzn-Trace-Id"] = [_trace_id(self._clock())]
        result["X-Forwarded-For"] = [", ".join([*forwarded_for, connection.source_ip])]
        result["X-Forwarded-Port"] = [self._forwarded_port]
        result["X-Forwarded-Proto"] = ["http"]
        return result

    def message(self, connection: Connection, *, route_key: str, data: str) -> dict[str, Any]:
        """Event for a message route: always a text frame's body (binary closes with 1003)."""
        context = self._request_context(connection, route_key=route_key, event_type="MESSAGE")
        context["messageId"] = new_id()
        return {"requestContext": context, "body": data, "isBase64Encoded": False}

    def disconnect(
        self, connection: Connection, *, status_code: int, reason: str
    ) -> dict[str, Any]:
        """Event for `$disconnect`, saying how the connection ended.

        Its headers are the few API Gateway's recorded DISCONNECT events carry, not the
        handshake's: `Host`, and `X-Forwarded-For`, `x-api-key`, `x-restapi` left empty.
        """
        context = self._request_context(
            connection, route_key="$disconnect", event_type="DISCONNECT"
        )
        context["disconnectStatusCode"] = status_code
        context["disconnectReason"] = reason
        headers = {
            "Host": [self._domain_name],
            "x-api-key": [""],
            "X-Forwarded-For": [""],
            "x-restapi": [""],
        }
        single, multi = _single_and_multi(headers)
        return {
            "headers": single,
            "multiValueHeaders": multi,
            "requestContext": context,
            "isBase64Encoded": False,
        }
