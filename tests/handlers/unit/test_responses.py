"""Responses: the status codes API Gateway acts on and JSON message bodies."""

from __future__ import annotations

import json

import pytest
from websocket_handlers import responses


@pytest.mark.parametrize(
    ("response", "status", "message"),
    [
        (responses.ok(), 200, "OK"),
        (responses.ok("Sent"), 200, "Sent"),
        (responses.bad_request("message body is empty"), 400, "message body is empty"),
        (responses.server_error(), 500, "Internal server error"),
    ],
)
def test_response_carries_status_and_json_message(response, status, message):
    """statusCode decides the handshake; the body is a JSON message a client can parse."""
    assert response["statusCode"] == status
    assert json.loads(response["body"]) == {"message": message}
