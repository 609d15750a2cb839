"""Each send the real handlers make is counted in an EMF log line (moto; Stubber for refusals)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from websocket_handlers import sender
from websocket_handlers.config import ConfigError
from websocket_handlers.contract import SEND_METRICS
from websocket_handlers.events import WebSocketEvent

from tests.handlers.aws import cold_start, posted_data, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event
from tests.handlers.emf import emf_lines, emf_violations

SENDER = "eXtNdcOkDoECJAw="
FUNCTION = "chat-default"
NAMESPACE = "Chat/Prod"


@pytest.fixture
def echo(monkeypatch):
    """The echo handler, cold-started as the module deploys it: a namespace, Lambda's name."""
    monkeypatch.setenv("METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
    return cold_start("websocket_handlers.echo")


def only_send_metric(output: str) -> dict:
    """The one EMF line an invocation printed, checked against the specification."""
    lines = [line for line in output.splitlines() if '"_aws"' in line]
    assert len(lines) == 1, output
    assert emf_violations(lines[0]) == []
    (document,) = emf_lines(lines[0])
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [[SEND_METRICS["dimension"]]]
    assert document[SEND_METRICS["dimension"]] == FUNCTION
    assert document["connectionId"] == SENDER
    return document


def metric_names(document: dict) -> list[str]:
    return [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]


def test_a_delivered_echo_counts_one_message_sent(echo, capsys):
    """A send API Gateway (moto) accepts prints one INFO line with MessagesSent = 1."""
    event = load_event("message", connectionId=SENDER)

    assert echo.handler(event, FakeLambdaContext())["statusCode"] == 200

    assert posted_data() == {SENDER: event["body"].encode()}
    document = only_send_metric(capsys.readouterr().out)
    assert metric_names(document) == [SEND_METRICS["sent"]]
    assert (document["level"], document[SEND_METRICS["sent"]]) == ("INFO", 1)
    assert document["targetConnectionId"] == SENDER
    assert document["bytes"] == len(event["body"].encode())


def test_a_gone_client_counts_one_connection_gone(echo, capsys):
    """A 410 prints one WARN line with ConnectionsGone = 1, and the record is still deleted."""
    event = load_event("message", connectionId=SENDER)
    put_item(SENDER, ttl=2_000_000_000)
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))

    with Stubber(client) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code="GoneException", http_status_code=410
        )
        assert echo.handler(event, FakeLambdaContext())["statusCode"] == 200

    assert stored_items() == {}
    document = only_send_metric(capsys.readouterr().out)
    assert metric_names(document) == [SEND_METRICS["gone"]]
    assert (document["level"], document["statusCode"]) == ("WARN", 410)


@pytest.mark.parametrize(
    ("code", "status"),
    [("ForbiddenException", 403), ("PayloadTooLargeException", 413)],
)
def test_a_refused_send_counts_one_failure(echo, capsys, code, status):
    """Any refusal but 410 prints one ERROR line with SendFailures = 1 and the error code,
    and the error still reaches Lambda."""
    event = load_event("message", connectionId=SENDER)
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))

    with Stubber(client) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code=code, http_status_code=status
        )
        with pytest.raises(ClientError):
            echo.handler(event, FakeLambdaContext())

    document = only_send_metric(capsys.readouterr().out)
    assert metric_names(document) == [SEND_METRICS["failed"]]
    assert (document["level"], document["errorCode"], document["statusCode"]) == (
        "ERROR",
        code,
        status,
    )


def test_a_send_that_never_got_an_answer_counts_as_a_failure(echo, capsys, monkeypatch):
    """An error before any HTTP answer (no endpoint, a timeout) is a failure too."""
    event = load_event("message", connectionId=SENDER)
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))

    def unreachable(**_kwargs):
        raise ConnectionError("no route to the endpoint")

    monkeypatch.setattr(client, "post_to_connection", unreachable)
    with pytest.raises(ConnectionError):
        echo.handler(event, FakeLambdaContext())

    document = only_send_metric(capsys.readouterr().out)
    assert metric_names(document) == [SEND_METRICS["failed"]]
    assert (document["errorCode"], document["statusCode"]) == ("ConnectionError", None)


def test_a_bad_namespace_fails_the_cold_start(monkeypatch):
    """METRICS_NAMESPACE naming an AWS namespace stops the import, naming the variable."""
    monkeypatch.setenv("METRICS_NAMESPACE", "AWS/ApiGateway")

    with pytest.raises(ConfigError, match="METRICS_NAMESPACE"):
        cold_start("websocket_handlers.echo")
