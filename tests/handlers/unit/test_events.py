"""The event accessor: what it reads from API Gateway's events and what it refuses."""

from __future__ import annotations

import pytest
from websocket_handlers.contract import MESSAGE_BYTES
from websocket_handlers.events import InvalidBodyError, MalformedEventError, WebSocketEvent

from tests.handlers.conftest import load_event


@pytest.mark.parametrize(
    ("name", "route_key", "event_type"),
    [
        ("connect", "$connect", "CONNECT"),
        ("message", "$default", "MESSAGE"),
        ("disconnect", "$disconnect", "DISCONNECT"),
    ],
)
def test_every_fixture_event_is_read(name, route_key, event_type):
    """CONNECT, MESSAGE and DISCONNECT events all yield the fields handlers rely on."""
    event = WebSocketEvent.from_dict(load_event(name))

    assert (event.route_key, event.event_type) == (route_key, event_type)
    assert event.connection_id == "eXtNdcOkDoECJAw="
    assert (event.stage, event.api_id) == ("dev", "a1b2c3d4e5")
    assert event.domain_name == "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    assert event.connected_at == 1727100307372
    assert event.request_id
    assert event.is_base64_encoded is False


def test_message_body_is_returned_as_sent():
    """The text body of a MESSAGE event comes back unchanged."""
    raw = load_event("message")

    assert WebSocketEvent.from_dict(raw).text_body() == raw["body"]


@pytest.mark.parametrize("event", [None, [], "text", {}, {"requestContext": "x"}])
def test_event_without_request_context_is_malformed(event):
    """Anything without a requestContext object is refused with a specific error."""
    with pytest.raises(MalformedEventError, match="event"):
        WebSocketEvent.from_dict(event)


@pytest.mark.parametrize(
    "field",
    ["connectionId", "routeKey", "eventType", "requestId", "stage", "apiId", "domainName"],
)
def test_missing_text_field_is_named(field):
    """A missing requestContext field is named in the error."""
    event = load_event("message")
    del event["requestContext"][field]

    with pytest.raises(MalformedEventError, match=f"requestContext.{field}"):
        WebSocketEvent.from_dict(event)


@pytest.mark.parametrize(
    "domain_name",
    ["a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn", "chat.example.com", "127.0.0.1:8080"],
)
def test_domain_names_of_aws_custom_and_local_hosts_are_read(domain_name):
    """An execute-api host in any partition, a custom domain, a local gateway's host:port."""
    event = load_event("message", domainName=domain_name)

    assert WebSocketEvent.from_dict(event).domain_name == domain_name


@pytest.mark.parametrize(
    "domain_name", ["a b", "evil.com/x", "evil.com?x", "user@evil.com", ".", "-x.com", "é.com"]
)
def test_domain_name_that_is_no_host_is_malformed(domain_name):
    """The domain becomes the host of the @connections URL, so only a DNS name is accepted."""
    event = load_event("message", domainName=domain_name)

    with pytest.raises(MalformedEventError, match=r"requestContext\.domainName"):
        WebSocketEvent.from_dict(event)


@pytest.mark.parametrize("value", [None, "1727100307372", 1.5, True])
def test_connected_at_must_be_integer_milliseconds(value):
    """connectedAt is stored as a number, so anything but an integer is refused."""
    event = load_event("connect", connectedAt=value)

    with pytest.raises(MalformedEventError, match="connectedAt"):
        WebSocketEvent.from_dict(event)


def _with_body(body, *, base64: bool = False) -> WebSocketEvent:
    event = load_event("message")
    event["body"] = body
    event["isBase64Encoded"] = base64
    return WebSocketEvent.from_dict(event)


@pytest.mark.parametrize(
    ("body", "base64", "reason"),
    [
        (None, False, "empty"),
        ("", False, "empty"),
        ("aGk=", True, "binary"),
        (b"hi", False, "binary"),
        ("\udcff", False, "UTF-8"),
        ("a" * (MESSAGE_BYTES + 1), False, "131073 bytes"),
        ("€" * (MESSAGE_BYTES // 3 + 1), False, "limit"),
    ],
)
def test_bodies_a_text_frame_cannot_carry_are_refused(body, base64, reason):
    """Empty, binary, non-UTF-8 and oversize bodies raise InvalidBodyError saying why."""
    with pytest.raises(InvalidBodyError, match=reason):
        _with_body(body, base64=base64).text_body()


def test_body_at_the_limit_is_accepted():
    """128 KiB of UTF-8 is exactly what a frame may carry."""
    body = "€" * (MESSAGE_BYTES // 3) + "a" * (MESSAGE_BYTES % 3)

    assert len(body.encode()) == MESSAGE_BYTES
    assert _with_body(body).text_body() == body
