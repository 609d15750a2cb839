"""Moto-backed AWS for functional tests: the environment, the table, read-backs.

Plain helpers rather than fixtures, so the custom-handlers example's tests build
the same world with `from tests.handlers.aws import ...`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from moto import mock_aws
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID
from websocket_handlers.contract import (
    ENV_CONNECTION_TTL_SECONDS,
    ENV_CONNECTIONS_TABLE,
    ENV_MANAGEMENT_API_ENDPOINT,
    HASH_KEY,
    TTL_ATTRIBUTE,
)

REGION = "eu-west-1"
TABLE_NAME = "websocket-test-connections"
TTL_SECONDS = 7200
# The API and stage of the events under tests/handlers/events/.
MANAGEMENT_API_ENDPOINT = f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com/dev"

# What the Terraform module sets on every function (the management endpoint is
# its API's `api_endpoint` with https and the stage), plus what Lambda sets itself.
ENVIRONMENT = {
    ENV_CONNECTIONS_TABLE: TABLE_NAME,
    ENV_CONNECTION_TTL_SECONDS: str(TTL_SECONDS),
    ENV_MANAGEMENT_API_ENDPOINT: MANAGEMENT_API_ENDPOINT,
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
}
# Anything that would send the clients somewhere moto does not intercept.
_UNSET = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",
    "AWS_PROFILE",
)


@contextmanager
def mocked_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A Lambda-like environment over moto, with the connections table created."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        create_connections_table()
        yield


def create_connections_table() -> None:
    """The table as the Terraform module declares it: hash key and TTL attribute."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": HASH_KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": HASH_KEY, "KeyType": "HASH"}],
    )
    dynamodb.update_time_to_live(
        TableName=TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )


def cold_start(module_name: str) -> ModuleType:
    """Import a handler module afresh, as a new Lambda container would.

    A new container has no AWS clients yet either: the clients module is imported
    afresh too, so the first call builds them from the environment of that moment
    (an endpoint a test has just pointed elsewhere, for instance).
    """
    importlib.reload(importlib.import_module("websocket_handlers.clients"))
    return importlib.reload(importlib.import_module(module_name))


def stored_items() -> dict[str, dict[str, Any]]:
    """Every item in the connections table, keyed by connection id."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    items = dynamodb.scan(TableName=TABLE_NAME, ConsistentRead=True)["Items"]
    return {item[HASH_KEY]["S"]: item for item in items}


def put_item(connection_id: str, ttl: int) -> None:
    """Write a connection record directly, bypassing the code under test."""
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=TABLE_NAME,
        Item={HASH_KEY: {"S": connection_id}, TTL_ATTRIBUTE: {"N": str(ttl)}},
    )


def posted_data() -> dict[str, bytes]:
    """What moto's @connections backend received, per connection id.

    Moto keys connections by the id as it appears in the URL path, percent-encoded.
    """
    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION]
    return {unquote(key): connection.data for key, connection in backend.connections.items()}
