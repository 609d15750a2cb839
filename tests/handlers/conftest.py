"""Fixtures shared by every test of the Lambda handlers.

`load_event` reads an API Gateway WebSocket event from `tests/handlers/events/`;
`FakeLambdaContext` stands in for the context object Lambda passes;
`default_lambda_timeout` is the timeout the module gives a function by default.
All are plain names too, so other test folders (and the examples' tests) can
import them from `tests.handlers.conftest`.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tools.tfconfig import blocks, load

EVENTS_DIR = Path(__file__).parent / "events"


@cache
def _read_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def load_event(name: str, **request_context: Any) -> dict[str, Any]:
    """A fresh copy of `tests/handlers/events/<name>.json`, `requestContext` fields replaced.

    Args:
        name: `connect`, `message` or `disconnect`.
        request_context: fields to set in `requestContext`, for example
            `connectionId="abc="`.
    """
    event = copy.deepcopy(_read_event(name))
    event["requestContext"].update(request_context)
    return event


@dataclass
class FakeLambdaContext:
    """The attributes and method of Lambda's context object that code may use."""

    function_name: str = "websocket-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:websocket-test"
    log_group_name: str = "/aws/lambda/websocket-test"
    log_stream_name: str = "2024/09/23/[$LATEST]0123456789abcdef"
    remaining_millis: int = 3000

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's time left; fixed, since tests never wait for it."""
        return self.remaining_millis


def default_lambda_timeout() -> float:
    """The module's default `lambda_timeout` in seconds, as variables.tf declares it."""
    return blocks(load(".", "variables.tf"), "variable")["lambda_timeout"]["default"]


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    """A Lambda context with a fresh request id."""
    return FakeLambdaContext()
