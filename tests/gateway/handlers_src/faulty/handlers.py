"""Handlers that misbehave on purpose, run in the gateway's worker processes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def overrun(_event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Outlive the route's timeout by a second, then mark the file `FINISHED_MARKER`.

    The marker tells a test that a late result would have arrived by now, without the
    test guessing how long that takes.
    """
    time.sleep(context.get_remaining_time_in_millis() / 1000 + 1)
    Path(os.environ["FINISHED_MARKER"]).touch()
    return {"statusCode": 200, "body": "finished late"}
