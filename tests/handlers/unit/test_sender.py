"""Pure pieces of the sender and the store: the endpoint URL and the record expiry."""

from __future__ import annotations

from websocket_handlers.config import load_settings
from websocket_handlers.connections import expiry
from websocket_handlers.events import WebSocketEvent
from websocket_handlers.sender import endpoint_url, management_client

from tests.handlers.conftest import load_event

BASE = {"CONNECTIONS_TABLE": "chat-connections", "CONNECTION_TTL_SECONDS": "7200"}
EVENT = WebSocketEvent.from_dict(load_event("message", apiId="k3x9", stage="prod"))
# An event of an API in the China partition, whose endpoints end in amazonaws.com.cn.
CHINA_EVENT = WebSocketEvent.from_dict(
    load_event(
        "message",
        apiId="k3x9",
        stage="prod",
        domainName="k3x9.execute-api.cn-north-1.amazonaws.com.cn",
    )
)
CHINA_ENDPOINT = "https://k3x9.execute-api.cn-north-1.amazonaws.com.cn/prod"


def test_endpoint_is_built_from_the_event_domain_and_stage():
    """Without the variable, the @connections URL is the host the client reached plus the stage."""
    settings = load_settings({**BASE, "AWS_REGION": "cn-north-1"})

    assert endpoint_url(settings, CHINA_EVENT) == CHINA_ENDPOINT


def test_china_client_signs_for_its_region_at_the_module_endpoint():
    """The module's MANAGEMENT_API_ENDPOINT, taken from the API, is where a cn-north-1 send goes."""
    settings = load_settings(
        {**BASE, "AWS_REGION": "cn-north-1", "MANAGEMENT_API_ENDPOINT": CHINA_ENDPOINT},
        sends_messages=True,
    )

    client = management_client(settings, CHINA_EVENT)

    assert (client.meta.endpoint_url, client.meta.region_name) == (CHINA_ENDPOINT, "cn-north-1")
    assert client.meta.partition == "aws-cn"


def test_endpoint_override_wins():
    """MANAGEMENT_API_ENDPOINT (the local gateway) replaces the AWS URL entirely."""
    settings = load_settings(
        {**BASE, "AWS_REGION": "eu-west-1", "MANAGEMENT_API_ENDPOINT": "http://127.0.0.1:8080/dev"}
    )

    assert endpoint_url(settings, EVENT) == "http://127.0.0.1:8080/dev"


def test_expiry_is_whole_epoch_seconds_after_the_write():
    """ttl is an integer number of seconds, as DynamoDB's TTL requires."""
    assert expiry(1_700_000_000.9, 7200) == 1_700_007_200
