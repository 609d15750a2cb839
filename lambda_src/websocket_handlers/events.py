"""One typed accessor over the API Gateway WebSocket event.

Handlers read the event only through `WebSocketEvent`, so the shape of API
Gateway's event is known in one place and a malformed event fails in one way:
a `BadRequestError`, which the entry point turns into a 400 response.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from websocket_handlers.contract import MESSAGE_BYTES

__all__ = [
    "BadRequestError",
    "InvalidBodyError",
    "MalformedEventError",
    "WebSocketEvent",
]

# API Gateway's own rules for these names, which the sender puts in the host and path
# of the `@connections` endpoint: anything else would make an invalid URL. The domain
# name is a DNS name (letters, digits, hyphens, dots), with a port when a local gateway
# serves the API.
_API_ID = re.compile(r"[A-Za-z0-9]+")
_STAGE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_DOMAIN_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})(:[0-9]{1,5})?")


class BadRequestError(ValueError):
    """The client's request cannot be served; it is answered with a 400."""


class MalformedEventError(BadRequestError):
    """The event lacks a field every API Gateway WebSocket event carries."""


class InvalidBodyError(BadRequestError):
    """The message body is missing, empty, binary or larger than a message may be."""


@dataclass(frozen=True)
class WebSocketEvent:
    """The fields of an API Gateway WebSocket event the handlers use.

    Attributes:
        connection_id: the client's connection, the key of its record.
        route_key: `$connect`, `$disconnect`, `$default` or a custom route.
        event_type: `CONNECT`, `MESSAGE` or `DISCONNECT`.
        request_id: API Gateway's id of this request (not Lambda's).
        stage: the stage name, part of the `@connections` endpoint.
        api_id: the API id, part of the `@connections` endpoint.
        domain_name: the host clients connected to, and of the `@connections`
            endpoint when no `MANAGEMENT_API_ENDPOINT` is set.
        connected_at: when the connection opened, in milliseconds since the epoch.
        body: the raw message body, None for connect and disconnect events.
        is_base64_encoded: whether API Gateway base64-encoded a binary body.
        principal: who `$connect` authorized: the Lambda authorizer's
            `principalId` (`requestContext.authorizer`), or with `AWS_IAM` the
            caller's IAM ARN (`requestContext.identity.userArn`); None when the
            connection was not authorized. API Gateway repeats the authorizer's
            result on every later event of the connection.
    """

    connection_id: str
    route_key: str
    event_type: str
    request_id: str
    stage: str
    api_id: str
    domain_name: str
    connected_at: int
    body: Any
    is_base64_encoded: bool
    principal: str | None = None

    @classmethod
    def from_dict(cls, event: Any) -> WebSocketEvent:
        """Read an event as Lambda receives it.

        Raises:
            MalformedEventError: the event or its `requestContext` is missing or
                lacks one of the fields above.
        """
        if not isinstance(event, Mapping):
            raise MalformedEventError(f"event is a {type(event).__name__}, not an object")
        context = event.get("requestContext")
        if not isinstance(context, Mapping):
            raise MalformedEventError("event has no requestContext")
        return cls(
            connection_id=_text(context, "connectionId"),
            route_key=_text(context, "routeKey"),
            event_type=_text(context, "eventType"),
            request_id=_text(context, "requestId"),
            stage=_text(context, "stage", _STAGE),
            api_id=_text(context, "apiId", _API_ID),
            domain_name=_text(context, "domainName", _DOMAIN_NAME),
            connected_at=_millis(context, "connectedAt"),
            body=event.get("body"),
            is_base64_encoded=event.get("isBase64Encoded") is True,
            principal=_principal(context),
        )

    def text_body(self) -> str:
        """The message as text, checked against what a text message may carry.

        Raises:
            InvalidBodyError: the body is missing, empty, binary (base64-encoded,
                not a string, or not encodable as UTF-8) or, in UTF-8, over API
                Gateway's message quota (`contract.MESSAGE_BYTES`).
        """
        if self.body is None or self.body == "":
            raise InvalidBodyError("message body is empty")
        if self.is_base64_encoded or not isinstance(self.body, str):
            raise InvalidBodyError("message body is binary; only text messages are accepted")
        try:
            size = len(self.body.encode("utf-8"))
        except UnicodeEncodeError as error:
            raise InvalidBodyError("message body is not valid UTF-8 text") from error
        if size > MESSAGE_BYTES:
            raise InvalidBodyError(
                f"message body is {size} bytes; the limit is {MESSAGE_BYTES} bytes"
            )
        return self.body


def _text(context: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None = None) -> str:
    """A non-empty string field that AWS clients can encode (and `pattern` allows)."""
    value = context.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEventError(f"requestContext.{key} is missing or not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedEventError(f"requestContext.{key} is not valid UTF-8 text") from error
    if pattern is not None and not pattern.fullmatch(value):
        raise MalformedEventError(f"requestContext.{key} has characters API Gateway never uses")
    return value


def _principal(context: Mapping[str, Any]) -> str | None:
    """The authorized principal: a Lambda authorizer's `principalId`, else an IAM caller's ARN.

    A Lambda authorizer's output reaches the integration as `requestContext.authorizer`,
    its `principalId` beside the context map's keys ("Output from an API Gateway
    Lambda authorizer"); an `AWS_IAM` route puts the signer in
    `requestContext.identity` (`userArn`), as for REST APIs.
    """
    authorizer = context.get("authorizer")
    if isinstance(authorizer, Mapping):
        principal = authorizer.get("principalId")
        if isinstance(principal, str) and principal:
            return principal
    identity = context.get("identity")
    if isinstance(identity, Mapping):
        user_arn = identity.get("userArn")
        if isinstance(user_arn, str) and user_arn:
            return user_arn
    return None


def _millis(context: Mapping[str, Any], key: str) -> int:
    value = context.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedEventError(f"requestContext.{key} is missing or not an integer")
    return value
