"""`$default` (echo) against moto: exact bytes to the sender, 410 cleanup, errors."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from websocket_handlers import sender
from websocket_handlers.contract import MESSAGE_BYTES
from websocket_handlers.events import WebSocketEvent

from tests.handlers.aws import cold_start, posted_data, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event

SENDER = "eXtNdcOkDoECJAw="


@pytest.fixture
def echo():
    """The echo handler module, cold-started under the test environment."""
    return cold_start("websocket_handlers.echo")


def message(body: object, **fields: object) -> dict:
    """The MESSAGE fixture with another body and top-level fields."""
    event = load_event("message", connectionId=SENDER)
    event["body"] = body
    event.update(fields)
    return event


def stubbed_client(echo, event: dict) -> Stubber:
    """A Stubber on the very @connections client the handler will use for `event`."""
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))
    return Stubber(client)


def test_echo_posts_exactly_the_received_bytes_to_exactly_the_sender(echo):
    """The body comes back byte for byte (UTF-8), to the sender and no one else."""
    event = load_event("message", connectionId=SENDER)

    response = echo.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    assert posted_data() == {SENDER: event["body"].encode("utf-8")}


def test_without_the_module_endpoint_echo_sends_to_the_event_domain_and_stage(monkeypatch):
    """A function outside the module (no MANAGEMENT_API_ENDPOINT) posts where the client came in."""
    monkeypatch.delenv("MANAGEMENT_API_ENDPOINT")
    echo = cold_start("websocket_handlers.echo")
    event = load_event("message", connectionId=SENDER)

    assert echo.handler(event, FakeLambdaContext())["statusCode"] == 200
    assert posted_data() == {SENDER: event["body"].encode("utf-8")}
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))
    context = event["requestContext"]
    assert client.meta.endpoint_url == f"https://{context['domainName']}/{context['stage']}"


def test_echo_accepts_a_body_of_exactly_128_kib(echo):
    """The frame limit is inclusive: 131072 bytes are echoed."""
    body = "x" * MESSAGE_BYTES

    assert echo.handler(message(body), FakeLambdaContext())["statusCode"] == 200
    assert posted_data() == {SENDER: body.encode()}


@pytest.mark.parametrize(
    ("body", "fields", "reason"),
    [
        pytest.param("", {}, "empty", id="empty"),
        pytest.param(None, {}, "empty", id="missing"),
        pytest.param("aGVsbG8=", {"isBase64Encoded": True}, "binary", id="base64"),
        pytest.param({"action": "echo"}, {}, "binary", id="not-a-string"),
        pytest.param("\ud800", {}, "UTF-8", id="lone-surrogate"),
        pytest.param("x" * (MESSAGE_BYTES + 1), {}, "limit", id="one-byte-over"),
        # 65,537 characters but 131,074 bytes: the limit counts UTF-8 bytes.
        pytest.param("é" * 65_537, {}, "limit", id="multibyte-over"),
    ],
)
def test_echo_answers_bad_bodies_with_400_and_sends_nothing(echo, capsys, body, fields, reason):
    """Each bad body gets a 400 naming the problem, a logged error and no post."""
    response = echo.handler(message(body, **fields), FakeLambdaContext())

    assert response["statusCode"] == 400
    assert reason in json.loads(response["body"])["message"]
    assert posted_data() == {}
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (line["level"], line["connectionId"]) == ("ERROR", SENDER)


def test_echo_without_request_context_is_a_400(echo):
    """An event with no requestContext cannot be answered to anyone: 400, nothing sent."""
    event = load_event("message")
    del event["requestContext"]

    assert echo.handler(event, FakeLambdaContext())["statusCode"] == 400
    assert posted_data() == {}


def test_echo_to_a_gone_sender_deletes_its_record_and_succeeds(echo, capsys):
    """A 410 GoneException removes the stale record and does not fail the invocation."""
    event = load_event("message", connectionId=SENDER)
    put_item(SENDER, ttl=2_000_000_000)
    put_item("still-here=", ttl=2_000_000_000)

    with stubbed_client(echo, event) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code="GoneException", http_status_code=410
        )
        response = echo.handler(event, FakeLambdaContext())
        stub.assert_no_pending_responses()

    assert response["statusCode"] == 200
    assert set(stored_items()) == {"still-here="}
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (line["level"], line["connectionId"]) == ("WARN", SENDER)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ForbiddenException", 403),
        ("PayloadTooLargeException", 413),
        ("LimitExceededException", 429),
    ],
)
def test_echo_reraises_other_send_errors_and_logs_them(echo, capsys, code, status):
    """Errors other than 410 propagate to Lambda, logged with a traceback; the record stays."""
    event = load_event("message", connectionId=SENDER)
    put_item(SENDER, ttl=2_000_000_000)

    with stubbed_client(echo, event) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code=code, http_status_code=status
        )
        with pytest.raises(ClientError) as raised:
            echo.handler(event, FakeLambdaContext())

    assert raised.value.response["Error"]["Code"] == code
    assert set(stored_items()) == {SENDER}
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["level"] == "ERROR"
    assert line["errorType"] == code
    assert code in line["errorMessage"]
    assert line["stackTrace"]


def test_echo_log_lines_carry_connection_route_and_request_ids(echo, capsys):
    """Every line of an invocation names its connection, route and Lambda request id."""
    context = FakeLambdaContext()
    event = load_event("message", connectionId=SENDER)

    echo.handler(event, context)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines
    for line in lines:
        assert line["connectionId"] == SENDER
        assert line["routeKey"] == "$default"
        assert line["requestId"] == context.aws_request_id
        assert line["apiRequestId"] == event["requestContext"]["requestId"]
