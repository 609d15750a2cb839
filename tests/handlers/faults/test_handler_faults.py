"""Faults of DynamoDB and `@connections` at the handler level, against moto.

Throttling is injected with botocore's Stubber on the very client the handlers use;
unavailability by pointing DynamoDB at a port nothing listens on, a hang by pointing
it at a server that accepts connections and never answers. The other faults a
handler must survive are covered elsewhere: 410 GoneException and 403/413/429 on send in
tests/handlers/functional/test_echo.py, a missing table in test_connect.py and
test_disconnect.py there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from websocket_handlers import clients, sender
from websocket_handlers.events import WebSocketEvent

from tests.handlers.aws import cold_start, mocked_aws, posted_data, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, default_lambda_timeout, load_event

FAULTS = ["ProvisionedThroughputExceededException", "ThrottlingException", "unreachable"]
RECORD_TTL = 2_000_000_000


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh moto account with the connections table, as in the functional tests."""
    with mocked_aws(monkeypatch):
        yield


@contextmanager
def dynamodb_fault(
    fault: str, method: str, monkeypatch: pytest.MonkeyPatch, closed_endpoint: str
) -> Iterator[None]:
    """Make the handlers' next DynamoDB `method` call fail with `fault`."""
    if fault == "unreachable":
        with monkeypatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL_DYNAMODB", closed_endpoint)
            yield
        return
    with Stubber(clients.client("dynamodb")) as stub:
        stub.add_client_error(method, service_error_code=fault, http_status_code=400)
        yield


def last_log_line(capsys: pytest.CaptureFixture[str]) -> dict:
    """The handler's last JSON log line."""
    return json.loads(capsys.readouterr().out.splitlines()[-1])


@pytest.mark.parametrize("fault", FAULTS)
def test_connect_fault_rejects_the_handshake_and_writes_nothing(
    fault, monkeypatch, closed_endpoint, capsys
):
    """Throttled or unreachable DynamoDB on connect: 500, no record, an ERROR with the cause."""
    connect = cold_start("websocket_handlers.connect")
    event = load_event("connect")

    with dynamodb_fault(fault, "put_item", monkeypatch, closed_endpoint):
        response = connect.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 500
    assert stored_items() == {}
    line = last_log_line(capsys)
    assert (line["level"], line["errorType"]) == ("ERROR", "StoreError")
    assert line["connectionId"] == event["requestContext"]["connectionId"]
    cause = "Could not connect" if fault == "unreachable" else fault
    assert cause in line["errorMessage"]


def test_connect_answers_500_before_the_deadline_when_dynamodb_never_answers(
    monkeypatch, silent_server, capsys
):
    """DynamoDB accepts the connection but never answers: $connect still returns its 500.

    Lambda would kill an invocation still waiting at the function's timeout (the
    module's default), and the client would get no clean rejection: the handler
    must have returned before that deadline, after the attempts its client allows.
    """
    connect = cold_start("websocket_handlers.connect")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", silent_server.url)
    timeout = default_lambda_timeout()
    context = FakeLambdaContext(remaining_millis=int(timeout * 1000))

    deadline = time.monotonic() + timeout
    response = connect.handler(load_event("connect"), context)
    returned_in_time = time.monotonic() < deadline

    assert response["statusCode"] == 500
    assert returned_in_time
    attempts = clients.client("dynamodb").meta.config.retries["total_max_attempts"]
    assert silent_server.connections == attempts
    line = last_log_line(capsys)
    assert (line["level"], line["errorType"]) == ("ERROR", "StoreError")
    assert "Read timeout" in line["errorMessage"]


@pytest.mark.parametrize("fault", FAULTS)
def test_disconnect_fault_is_logged_and_leaves_the_record_to_ttl(
    fault, monkeypatch, closed_endpoint, capsys
):
    """Throttled or unreachable DynamoDB on disconnect: logged, no raise, record kept for TTL."""
    disconnect = cold_start("websocket_handlers.disconnect")
    event = load_event("disconnect")
    connection_id = event["requestContext"]["connectionId"]
    put_item(connection_id, ttl=RECORD_TTL)

    with dynamodb_fault(fault, "delete_item", monkeypatch, closed_endpoint):
        response = disconnect.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 500
    assert stored_items()[connection_id]["ttl"] == {"N": str(RECORD_TTL)}
    line = last_log_line(capsys)
    assert (line["level"], line["errorType"]) == ("ERROR", "StoreError")
    assert "TTL" in line["message"]


def test_echo_reraises_a_500_from_connections_and_keeps_the_record(capsys):
    """An @connections 500 is logged with its traceback and re-raised; nothing is deleted."""
    echo = cold_start("websocket_handlers.echo")
    event = load_event("message")
    connection_id = event["requestContext"]["connectionId"]
    put_item(connection_id, ttl=RECORD_TTL)
    client = sender.management_client(echo.SETTINGS, WebSocketEvent.from_dict(event))

    with Stubber(client) as stub:
        stub.add_client_error(
            "post_to_connection", service_error_code="InternalServerError", http_status_code=500
        )
        with pytest.raises(ClientError) as raised:
            echo.handler(event, FakeLambdaContext())

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert set(stored_items()) == {connection_id}
    assert posted_data() == {}
    line = last_log_line(capsys)
    assert (line["level"], line["errorType"]) == ("ERROR", "ClientError")
    assert line["stackTrace"]
