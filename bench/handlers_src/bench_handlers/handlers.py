"""Two-way handlers that answer with the message itself, without boto3.

`noop` measures the gateway's own cost per message (routing, the event, the pipe to the
execution environment and back), apart from the `@connections` call the real echo makes.
`nap` waits 200 ms as a handler waiting on a slow downstream service does, so several at
once show whether invocations run side by side (one wait) or queue (one wait each), on
any number of cores.
"""

from __future__ import annotations

import time
from typing import Any

NAP_SECONDS = 0.2


def noop(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Answer with the message, doing nothing else."""
    return {"statusCode": 200, "body": event["body"]}


def nap(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Wait `NAP_SECONDS` (I/O, not CPU), then answer with the message."""
    time.sleep(NAP_SECONDS)
    return {"statusCode": 200, "body": event["body"]}
