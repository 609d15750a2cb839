"""Handlers for the gateway's own tests: run in worker processes like real handlers."""

from __future__ import annotations

import os
import time
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


def slow(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way route that takes a while, to show it does not hold up other messages."""
    time.sleep(2)
    return {"statusCode": 200, "body": "slow done"}
