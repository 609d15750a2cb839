"""Fixtures for the fault tests: an address nothing listens on, and misbehaving handlers."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from local_gateway.settings import REPO_ROOT

FAULTY_SOURCE = Path(__file__).parent / "handlers_src"


@pytest.fixture
def closed_endpoint() -> str:
    """An http URL on 127.0.0.1 whose port was just freed, so connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def faulty_source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Lambda source dir with the real handlers linked in, plus `faulty.handlers`."""
    root = tmp_path_factory.mktemp("faulty_src")
    (root / "websocket_handlers").symlink_to(REPO_ROOT / "lambda_src" / "websocket_handlers")
    (root / "faulty").symlink_to(FAULTY_SOURCE / "faulty")
    return root
