"""The gateway under fuzz and load, as `make run` starts it, in a process tree of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stress.fuzz import GATEWAY_ARGS
from tools.child_server import GatewayChildProcess, raise_fd_limit


@pytest.fixture
def gateway() -> Iterator[GatewayChildProcess]:
    """A fresh gateway, measured apart from the clients, with the open-file limit raised."""
    raise_fd_limit()
    with GatewayChildProcess(*GATEWAY_ARGS) as process:
        yield process
