"""The broadcast route against moto: who receives, who is skipped, who is forgotten."""

from __future__ import annotations

import json
import time

import pytest
from botocore.stub import Stubber
from websocket_handlers import sender
from websocket_handlers.events import WebSocketEvent

from tests.handlers.aws import cold_start, posted_data, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event

SENDER = "eXtNdcOkDoECJAw="
LIVE_TTL = 2_000_000_000


@pytest.fixture
def chat():
    """The broadcast handler module, cold-started under the test environment."""
    return cold_start("chat.broadcast")


def broadcast_event(body: object) -> dict:
    """A MESSAGE event routed to `broadcast` with the given body (JSON-encoded if not text)."""
    event = load_event("message", routeKey="broadcast", connectionId=SENDER)
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    return event


def test_broadcast_reaches_every_live_connection_and_skips_expired_ones(chat):
    """Each live connection, the sender included, gets the message; expired records get nothing."""
    live = {SENDER} | {f"conn-{n}=" for n in range(12)}
    for connection_id in live:
        put_item(connection_id, ttl=LIVE_TTL)
    put_item("expired=", ttl=int(time.time()) - 60)

    response = chat.handler(
        broadcast_event({"action": "broadcast", "message": "hi all ✓"}), FakeLambdaContext()
    )

    assert response["statusCode"] == 200
    assert posted_data() == dict.fromkeys(live, "hi all ✓".encode())


def broadcast_to_two(chat, code: str, status: int):
    """Broadcast to two live connections; the first send fails with `code`, the other succeeds.

    The Stubber answers in call order, not per connection, so tests assert counts
    and which records remain rather than which connection got the error.
    """
    put_item("a=", ttl=LIVE_TTL)
    put_item("b=", ttl=LIVE_TTL)
    event = broadcast_event({"action": "broadcast", "message": "hello"})
    client = sender.management_client(chat.SETTINGS, WebSocketEvent.from_dict(event))
    with Stubber(client) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code=code, http_status_code=status
        )
        stub.add_response("post_to_connection", {})
        result = chat.broadcast(client, chat.STORE, b"hello")
        stub.assert_no_pending_responses()
    return result


def test_broadcast_forgets_a_connection_that_answers_410(chat):
    """A gone connection's record is deleted while the other connection is still served."""
    result = broadcast_to_two(chat, "GoneException", 410)

    assert (result.sent, result.gone, result.failed) == (1, 1, 0)
    assert len(stored_items()) == 1


def test_one_failing_send_does_not_stop_the_others(chat, capsys):
    """A 403 for one connection is logged and counted, by the broadcast and as the
    sender's SendFailures metric; the other is still sent to."""
    result = broadcast_to_two(chat, "ForbiddenException", 403)

    assert (result.sent, result.gone, result.failed) == (1, 0, 1)
    assert set(stored_items()) == {"a=", "b="}
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert [line["errorType"] for line in errors if "_aws" not in line] == ["ForbiddenException"]
    assert [(line["errorCode"], line["SendFailures"]) for line in errors if "_aws" in line] == [
        ("ForbiddenException", 1)
    ]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        ["broadcast"],
        {"action": "broadcast"},
        {"action": "broadcast", "message": ""},
        {"action": "broadcast", "message": 42},
    ],
)
def test_bad_broadcast_request_is_a_400_and_sends_nothing(chat, body):
    """A body without a non-empty string message is refused before any send."""
    put_item(SENDER, ttl=LIVE_TTL)

    response = chat.handler(broadcast_event(body), FakeLambdaContext())

    assert response["statusCode"] == 400
    assert posted_data() == {}


def test_parse_message_returns_only_the_message_text(chat):
    """The message field is what gets sent, not the whole request."""
    assert chat.parse_message('{"action": "broadcast", "message": "hi"}') == "hi"
