"""The example's tests import `chat` from `src/` and `websocket_handlers` as Lambda does.

On Lambda, `src/` is the function's code (/var/task), searched first, and the
module's `websocket_handlers` comes from its layer (/opt/python), searched
after. Here `src/` goes first on sys.path; `websocket_handlers` is found later
in `lambda_src/`, the layer's content, which pytest's pythonpath provides.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.handlers.aws import mocked_aws

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs in a fresh moto account with the connections table created."""
    with mocked_aws(monkeypatch):
        yield
