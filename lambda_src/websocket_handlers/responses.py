"""The API Gateway responses the handlers return.

For `$connect` the status code accepts (2xx) or rejects the handshake; for other
routes API Gateway uses the response only when the route has a two-way response,
and then sends the body to the client, so every body is a small JSON message.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["Response", "bad_request", "ok", "server_error"]

Response = dict[str, Any]


def _response(status_code: int, message: str) -> Response:
    return {"statusCode": status_code, "body": json.dumps({"message": message})}


def ok(message: str = "OK") -> Response:
    """The request was served."""
    return _response(200, message)


def bad_request(reason: str) -> Response:
    """The client sent something the handler cannot serve; `reason` says what."""
    return _response(400, reason)


def server_error() -> Response:
    """The handler failed; the details are in the logs, not in the client's answer."""
    return _response(500, "Internal server error")
