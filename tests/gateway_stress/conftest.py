"""The gateway under fuzz and load, as `make run` starts it, in a process tree of its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stress.gateway import GatewayProcess, raise_fd_limit


@pytest.fixture
def gateway() -> Iterator[GatewayProcess]:
    """A fresh gateway, measured apart from the clients, with the open-file limit raised."""
    raise_fd_limit()
    with GatewayProcess() as process:
        yield process
