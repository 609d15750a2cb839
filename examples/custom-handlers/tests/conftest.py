"""The example's tests import `chat` from `src/`, beside the module's handlers.

`src/` is appended (not prepended) to sys.path: its `websocket_handlers` is a
symlink to `lambda_src/websocket_handlers`, which pytest's pythonpath already
provides, so the package is imported once whichever path finds it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.functional.aws import mocked_aws

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.append(str(SRC))


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in a fresh moto account with the connections table created."""
    with mocked_aws(monkeypatch):
        yield
