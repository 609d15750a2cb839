"""Functional tests run the handlers against moto's DynamoDB and @connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.handlers.aws import mocked_aws


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every functional test runs in a fresh moto account with the table created."""
    with mocked_aws(monkeypatch):
        yield
