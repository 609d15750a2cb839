"""`$connect` stores who was authorized with the connection record.

With a Lambda authorizer, API Gateway passes its output to the integration as
`requestContext.authorizer` (`principalId` and the context map's keys); with
`AWS_IAM`, the signer's identity is in `requestContext.identity` (`userArn`,
`accountId`, `caller`...). The record keeps it under contract.json's
`principal_attribute`.
"""

from __future__ import annotations

import pytest
from websocket_handlers.contract import PRINCIPAL_ATTRIBUTE

from tests.handlers.aws import cold_start, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event

USER_ARN = "arn:aws:iam::123456789012:user/alice"


@pytest.fixture
def connect():
    """The connect handler module, cold-started under the test environment."""
    return cold_start("websocket_handlers.connect")


def _stored_principal(connect, event) -> dict | None:
    assert connect.handler(event, FakeLambdaContext())["statusCode"] == 200
    return stored_items()[event["requestContext"]["connectionId"]].get(PRINCIPAL_ATTRIBUTE)


def test_a_lambda_authorizers_principal_is_stored(connect) -> None:
    """CUSTOM: the authorizer's principalId is the record's principal."""
    event = load_event(
        "connect", authorizer={"principalId": "alice", "sub": "alice", "exp": 1727103907}
    )
    assert _stored_principal(connect, event) == {"S": "alice"}


def test_an_iam_callers_arn_is_stored(connect) -> None:
    """AWS_IAM: the signing caller's userArn is the record's principal."""
    identity = {
        **load_event("connect")["requestContext"]["identity"],
        "accountId": "123456789012",
        "caller": "AIDAEXAMPLE",
        "user": "AIDAEXAMPLE",
        "userArn": USER_ARN,
        "accessKey": "AKIAEXAMPLE",
    }
    assert _stored_principal(connect, load_event("connect", identity=identity)) == {"S": USER_ARN}


def test_an_unauthorized_connection_has_no_principal(connect) -> None:
    """NONE: no authorizer and no IAM identity, so no principal attribute at all."""
    assert _stored_principal(connect, load_event("connect")) is None


def test_the_authorizers_principal_wins_over_an_identity(connect) -> None:
    """A Lambda authorizer's principalId is preferred to any identity field."""
    event = load_event(
        "connect",
        authorizer={"principalId": "alice"},
        identity={"sourceIp": "203.0.113.7", "userArn": USER_ARN},
    )
    assert _stored_principal(connect, event) == {"S": "alice"}
