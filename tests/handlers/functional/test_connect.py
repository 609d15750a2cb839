"""`$connect` against moto: the record it writes and the handshakes it rejects."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from tests.handlers.aws import REGION, TABLE_NAME, TTL_SECONDS, cold_start, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event


@pytest.fixture
def connect():
    """The connect handler module, cold-started under the test environment."""
    return cold_start("websocket_handlers.connect")


def test_connect_stores_the_connection_with_a_ttl_in_the_expected_window(connect):
    """The item is keyed by the connection id, keeps connectedAt and expires after the TTL."""
    event = load_event("connect")
    before = int(time.time())
    response = connect.handler(event, FakeLambdaContext())
    after = int(time.time())

    assert response["statusCode"] == 200
    item = stored_items()[event["requestContext"]["connectionId"]]
    assert item["connectedAt"] == {"N": str(event["requestContext"]["connectedAt"])}
    assert before + TTL_SECONDS <= int(item["ttl"]["N"]) <= after + TTL_SECONDS


def test_connect_without_request_context_is_a_400_and_writes_nothing(connect, capsys):
    """A malformed event is rejected with a logged reason, never a crash."""
    event = load_event("connect")
    del event["requestContext"]

    response = connect.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 400
    assert "requestContext" in json.loads(response["body"])["message"]
    assert stored_items() == {}
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["level"] == "ERROR"
    assert "requestContext" in line["message"]


def test_connect_without_connection_id_is_a_400_and_writes_nothing(connect):
    """An event whose requestContext lacks connectionId cannot be stored."""
    event = load_event("connect")
    del event["requestContext"]["connectionId"]

    assert connect.handler(event, FakeLambdaContext())["statusCode"] == 400
    assert stored_items() == {}


def test_connect_rejects_the_handshake_with_500_when_dynamodb_fails(connect, capsys):
    """When the write fails the handshake is refused and the error is logged with its cause."""
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=TABLE_NAME)
    event = load_event("connect")

    response = connect.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 500
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["level"] == "ERROR"
    assert line["errorType"] == "StoreError"
    assert line["connectionId"] == event["requestContext"]["connectionId"]
    assert any("ResourceNotFoundException" in frame for frame in line["stackTrace"])
