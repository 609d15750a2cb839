"""Fixtures shared by more than one group of tests.

Each group (static, plan_apply, handlers, gateway) keeps its own fixtures in its
own conftest.py; what the handlers' and the gateway's fault tests both need is here.
"""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def closed_endpoint() -> str:
    """An http URL on 127.0.0.1 whose port was just freed, so connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
