"""The AWS clients' retry and timeout budget fits inside the function's default timeout."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff
from websocket_handlers import clients

from tests.handlers.conftest import default_lambda_timeout

# The clients the handlers make: the connection store's and the sender's.
SERVICES = {
    "dynamodb": {},
    "apigatewaymanagementapi": {
        "endpoint_url": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev"
    },
}


def worst_case_seconds(config: Any) -> float:
    """How long one call may take against a server that never answers.

    Every attempt waits its whole connect and read timeouts; before each retry
    botocore's own standard-mode backoff waits its longest (its random factor at 1).
    """
    attempts = config.retries["total_max_attempts"]
    backoff = ExponentialBackoff(random=lambda: 1.0)
    waits = sum(
        backoff.delay_amount(SimpleNamespace(attempt_number=attempt, http_response=None))
        for attempt in range(1, attempts)
    )
    return attempts * (config.connect_timeout + config.read_timeout) + waits


@pytest.mark.parametrize("service", SERVICES)
def test_a_call_ends_before_the_default_function_timeout(service):
    """Retries and timeouts of the real client end a hung call inside `lambda_timeout`."""
    config = clients.client(service, region="eu-west-1", **SERVICES[service]).meta.config

    assert config.retries["mode"] == "standard"
    assert worst_case_seconds(config) < default_lambda_timeout()


def test_clients_are_created_once_per_container():
    """The same endpoint and region give back the very client made on first use."""
    first = clients.client("dynamodb", region="eu-west-1")

    assert clients.client("dynamodb", region="eu-west-1") is first
