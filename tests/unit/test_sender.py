"""Pure pieces of the sender and the store: the endpoint URL and the record expiry."""

from __future__ import annotations

from websocket_handlers.config import load_settings
from websocket_handlers.connections import expiry
from websocket_handlers.events import WebSocketEvent
from websocket_handlers.sender import endpoint_url

from tests.conftest import load_event

BASE = {"CONNECTIONS_TABLE": "chat-connections", "CONNECTION_TTL_SECONDS": "7200"}
EVENT = WebSocketEvent.from_dict(load_event("message", apiId="k3x9", stage="prod"))


def test_endpoint_is_built_from_the_event_and_region():
    """On AWS the @connections URL is the API's execute-api host plus the event's stage."""
    settings = load_settings({**BASE, "AWS_REGION": "ap-southeast-2"})

    assert (
        endpoint_url(settings, EVENT)
        == "https://k3x9.execute-api.ap-southeast-2.amazonaws.com/prod"
    )


def test_endpoint_override_wins():
    """MANAGEMENT_API_ENDPOINT (the local gateway) replaces the AWS URL entirely."""
    settings = load_settings(
        {**BASE, "AWS_REGION": "eu-west-1", "MANAGEMENT_API_ENDPOINT": "http://127.0.0.1:8080/dev"}
    )

    assert endpoint_url(settings, EVENT) == "http://127.0.0.1:8080/dev"


def test_expiry_is_whole_epoch_seconds_after_the_write():
    """ttl is an integer number of seconds, as DynamoDB's TTL requires."""
    assert expiry(1_700_000_000.9, 7200) == 1_700_007_200
