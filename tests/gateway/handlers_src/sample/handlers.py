"""Handlers for the gateway's own tests: run in worker processes like real handlers."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


def reject(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """`$connect` that refuses everyone with 403, unless the query says `?let=in`."""
    query = event.get("queryStringParameters") or {}
    return {"statusCode": 200 if query.get("let") == "in" else 403}


def crash(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Raise, to show the error frame API Gateway sends for a failed invocation."""
    raise RuntimeError("boom")


def reply(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Two-way route: answer with the route's environment and the remaining time."""
    print(f"replying to {event['requestContext']['connectionId']}")
    body = f"{os.environ['GREETING']} {context.get_remaining_time_in_millis() > 0}"
    return {"statusCode": 200, "body": body}


def slow(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way route that blocks until the file named in the message exists (10 s at most).

    The test decides when it finishes, so proving that other messages overtake it needs
    no timing assumptions.
    """
    release = Path(json.loads(event["body"])["release"])
    for _ in range(200):
        if release.exists():
            break
        time.sleep(0.05)
    return {"statusCode": 200, "body": "slow done"}


def record(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Append the event as a JSON line to the file `RECORD_TO` names; answer with the route key.

    Tests read the file back to see exactly what the gateway handed a function.
    """
    with Path(os.environ["RECORD_TO"]).open("a", encoding="utf-8") as events:
        events.write(json.dumps(event) + "\n")
    return {"statusCode": 200, "body": event["requestContext"]["routeKey"]}


def subprotocol(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """`$connect` choosing `myprotocol` when offered, as AWS's example does; else no header."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
    if "myprotocol" in offered:
        return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "myprotocol"}}
    return {"statusCode": 200}
