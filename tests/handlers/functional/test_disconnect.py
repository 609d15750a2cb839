"""`$disconnect` against moto: the record goes, and failures never crash."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.handlers.aws import REGION, TABLE_NAME, cold_start, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event


@pytest.fixture
def disconnect():
    """The disconnect handler module, cold-started under the test environment."""
    return cold_start("websocket_handlers.disconnect")


def test_disconnect_removes_only_that_connection(disconnect):
    """The closing connection's record is deleted and other records stay."""
    event = load_event("disconnect")
    put_item(event["requestContext"]["connectionId"], ttl=2_000_000_000)
    put_item("other-connection=", ttl=2_000_000_000)

    response = disconnect.handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    assert set(stored_items()) == {"other-connection="}


def test_disconnect_tolerates_a_record_that_is_already_gone(disconnect):
    """A connection whose record TTL already removed disconnects without error."""
    response = disconnect.handler(load_event("disconnect"), FakeLambdaContext())

    assert response["statusCode"] == 200


def test_disconnect_logs_a_failed_delete_and_leaves_it_to_ttl(disconnect, capsys):
    """A DynamoDB failure is logged as an error with a 500, not raised."""
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=TABLE_NAME)

    response = disconnect.handler(load_event("disconnect"), FakeLambdaContext())

    assert response["statusCode"] == 500
    line = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert line["level"] == "ERROR"
    assert line["routeKey"] == "$disconnect"
    assert "TTL" in line["message"]


def test_disconnect_without_request_context_is_a_400(disconnect):
    """A malformed disconnect event is answered, not crashed on."""
    event = load_event("disconnect")
    del event["requestContext"]
    put_item("untouched=", ttl=2_000_000_000)

    assert disconnect.handler(event, FakeLambdaContext())["statusCode"] == 400
    assert set(stored_items()) == {"untouched="}
