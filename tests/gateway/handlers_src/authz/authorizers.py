"""A Lambda REQUEST authorizer whose answer the test picks with the `token` it sends.

Each token names one answer API Gateway must judge (allow, deny, fail, malformed...),
so one running gateway covers every verdict. Every event is appended to the file
`RECORD_TO` names, so a test can see what the authorizer was given and how often.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Action": action, "Effect": effect, "Resource": resource}


_CONTEXT = {"role": "admin", "level": 3, "beta": True}


def _answer(statements: list[dict[str, Any]], context: Any = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
    }
    if context is not None:
        answer["context"] = context
    return answer


def _raise(error: Exception) -> dict[str, Any]:
    raise error


# Each answer takes the `$connect` method ARN.
_ANSWERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "allow": lambda arn: _answer([_statement("Allow", arn)], _CONTEXT),
    # `*` ending a segment reaches past the colons: this covers every stage's routes.
    "wildcard": lambda _arn: _answer(
        [_statement("Allow", "arn:aws:execute-api:*", "execute-api:*")]
    ),
    "deny": lambda arn: _answer([_statement("Deny", arn)], _CONTEXT),
    "deny-wins": lambda arn: _answer(
        [_statement("Allow", "*"), _statement("Deny", arn.rsplit("/", 1)[0] + "/*")]
    ),
    "other-route": lambda arn: _answer([_statement("Allow", arn.replace("$connect", "$default"))]),
    "other-action": lambda arn: _answer(
        [_statement("Allow", arn, "execute-api:ManageConnections")]
    ),
    # The exact message API Gateway turns into 401.
    "unauthorized": lambda _arn: _raise(Exception("Unauthorized")),
    "crash": lambda _arn: _raise(RuntimeError("the authorizer broke")),
    "malformed": lambda _arn: {"statusCode": 401},
    "nested-context": lambda arn: _answer([_statement("Allow", arn)], {"claims": {"sub": "x"}}),
}


def by_token(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Answer as the `token` query string parameter says."""
    with Path(os.environ["RECORD_TO"]).open("a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")
    return _ANSWERS[event["queryStringParameters"]["token"]](event["methodArn"])
