"""JSON-lines logging in the shape of Lambda's JSON log format.

Every line carries `timestamp`, `level`, `message`, `logger` and `requestId`, as
Lambda's own JSON lines do, plus the `connectionId` and `routeKey` of the
invocation, so one connection's story can be filtered out of CloudWatch Logs
Insights. Fields passed with `extra=` are added; an exception adds `errorType`,
`errorMessage` and `stackTrace`.

Our loggers write their own lines and do not propagate: on Lambda the runtime
puts a handler on the root logger, and propagating would print every line twice.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["JsonFormatter", "bind", "get_logger", "invocation"]

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

_EMPTY_CONTEXT: dict[str, Any] = {"requestId": None, "connectionId": None, "routeKey": None}
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "websocket_log_context", default=_EMPTY_CONTEXT
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object carrying the invocation's fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record, the current invocation context and any extras."""
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            **_context.get(),
        }
        line.update(
            (key, value) for key, value in vars(record).items() if key not in _RECORD_ATTRIBUTES
        )
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["errorType"] = type(error).__name__
            line["errorMessage"] = str(error)
            line["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(line, default=str)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is when a line is emitted.

    A plain StreamHandler keeps the stream it was created with; following
    `sys.stdout` lets a local gateway or a test capture the lines of handlers
    imported before it redirected the output.
    """

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignore the stream StreamHandler.__init__ assigns."""


def get_logger(name: str) -> logging.Logger:
    """The named logger, writing JSON lines to stdout and not propagating.

    The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by Lambda's advanced logging
    controls), else `LOG_LEVEL`, else INFO.
    """
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(
            os.environ.get("AWS_LAMBDA_LOG_LEVEL") or os.environ.get("LOG_LEVEL") or "INFO"
        )
    return logger


@contextmanager
def invocation(request_id: str | None) -> Iterator[None]:
    """Scope log fields to one invocation, starting with Lambda's request id."""
    token = _context.set({**_EMPTY_CONTEXT, "requestId": request_id})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to every later line of the current invocation."""
    _context.set({**_context.get(), **fields})
