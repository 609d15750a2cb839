"""Child process of the handler-cost measurement: warm CPU time per invocation.

Runs in a process of its own so that `time.process_time` counts the handler alone (its
code, boto3 building and parsing requests, its log lines), not the endpoint answering
the AWS calls, which runs in the parent.

    python -m bench.warm_invoke HANDLER ROUTE_KEY INVOCATIONS OUTPUT_JSON
"""

from __future__ import annotations

import importlib
import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from local_gateway.lambda_events import LambdaEventBuilder
from local_gateway.registry import Connection

__all__ = ["BenchError", "event_for", "main"]

_WARMUP = 20
_EVENTS = LambdaEventBuilder(stage="dev", api_id="bench", domain_name="127.0.0.1")


class BenchError(RuntimeError):
    """A handler did not answer 200: its figures would measure a failure path."""


class _Context:
    """The one context attribute the handlers read."""

    aws_request_id = "bench"


def event_for(route_key: str) -> dict[str, Any]:
    """A fresh API Gateway event for the route, on a new connection id.

    The id is URL-safe: moto's `@connections` routes cannot match an id with a `/`.
    """
    now = time.time()
    connection = Connection(
        connection_id=secrets.token_urlsafe(11),
        connected_at=now,
        last_active_at=now,
        source_ip="127.0.0.1",
        user_agent="bench",
    )
    if route_key == "$connect":
        return _EVENTS.connect(connection, headers={}, query={})
    if route_key == "$disconnect":
        return _EVENTS.disconnect(connection, status_code=1000, reason="bench")
    return _EVENTS.message(connection, route_key=route_key, data="x" * 100)


def main() -> None:
    """Warm the handler up, then time `INVOCATIONS` calls; write the figures as JSON."""
    handler_name, route_key, count, output = sys.argv[1:5]
    invocations = int(count)
    module_name, _, attribute = handler_name.rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    events = [event_for(route_key) for _ in range(_WARMUP + invocations)]
    for event in events[:_WARMUP]:
        result = handler(event, _Context())
        if result.get("statusCode") != 200:
            raise BenchError(f"{handler_name} answered {result}")
    cpu, wall = time.process_time(), time.perf_counter()
    for event in events[_WARMUP:]:
        handler(event, _Context())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    figures = {"cpu_ms": cpu * 1000 / invocations, "wall_ms": wall * 1000 / invocations}
    Path(output).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
