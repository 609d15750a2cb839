"""JSON-lines logging in the shape of Lambda's JSON log format.

Every line carries `timestamp`, `level`, `message`, `logger` and `requestId`, as
Lambda's own JSON lines do, plus the `connectionId` and `routeKey` of the
invocation, so one connection's story can be filtered out of CloudWatch Logs
Insights. Fields passed with `extra=` are added; an exception adds `errorType`,
`errorMessage` and `stackTrace`.

Our loggers write their own lines and do not propagate: on Lambda the runtime
puts a handler on the root logger, and propagating would print every line twice.

Levels follow Lambda's log-level filtering ("Log-level filtering", Lambda
developer guide, https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
With the JSON log format and an application log level set, Lambda drops the
lines below that level and puts the level in `AWS_LAMBDA_LOG_LEVEL`; that wins
over the package's own `LOG_LEVEL`, so the handlers never format lines Lambda
would drop, nor drop lines Lambda would keep. Lambda's levels are TRACE, DEBUG,
INFO, WARN, ERROR and FATAL, and a line whose `level` is not one of them counts
as INFO, so lines carry Lambda's names (`WARN`, not Python's `WARNING`) and a
warning is not dropped under `WARN`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from websocket_handlers.config import ConfigError

__all__ = [
    "AWS_LAMBDA_LOG_LEVEL",
    "LOG_LEVEL",
    "JsonFormatter",
    "bind",
    "get_logger",
    "invocation",
    "lambda_level_name",
    "level_from_environment",
]

AWS_LAMBDA_LOG_LEVEL = "AWS_LAMBDA_LOG_LEVEL"
LOG_LEVEL = "LOG_LEVEL"

# Lambda's application log levels as Python levels. Python has no TRACE, and the
# handlers log nothing finer than DEBUG, so TRACE lets everything through as
# DEBUG does (AWS's Python runtime client maps it the same way). Python's own
# names are accepted too, for `LOG_LEVEL`.
_LEVELS = {
    "TRACE": logging.DEBUG,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
}
# The name a line carries, by the lowest Python level it applies from.
_LAMBDA_NAMES = (
    (logging.CRITICAL, "FATAL"),
    (logging.ERROR, "ERROR"),
    (logging.WARNING, "WARN"),
    (logging.INFO, "INFO"),
    (logging.DEBUG, "DEBUG"),
)

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
            "level": lambda_level_name(record.levelno),
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


def lambda_level_name(levelno: int) -> str:
    """Lambda's name for a Python level: `WARN` for WARNING, `FATAL` for CRITICAL.

    A custom level takes the name of the standard level at or below it; one
    below DEBUG is TRACE.
    """
    return next((name for floor, name in _LAMBDA_NAMES if levelno >= floor), "TRACE")


def level_from_environment(environ: Mapping[str, str] | None = None) -> int:
    """The Python level the loggers use.

    `AWS_LAMBDA_LOG_LEVEL` (Lambda's application log level) wins, then the
    package's `LOG_LEVEL`, then INFO, Lambda's default. Names are read in any
    case.

    Raises:
        ConfigError: the variable that decides holds no level name, so a typo
            fails the cold start instead of silently logging at another level.
    """
    env = os.environ if environ is None else environ
    for variable in (AWS_LAMBDA_LOG_LEVEL, LOG_LEVEL):
        value = env.get(variable)
        if value:
            try:
                return _LEVELS[value.strip().upper()]
            except KeyError:
                raise ConfigError(
                    f"{variable}={value!r} is not a log level; use one of "
                    "TRACE, DEBUG, INFO, WARN, ERROR, FATAL"
                ) from None
    return logging.INFO


def get_logger(name: str) -> logging.Logger:
    """The named logger, writing JSON lines to stdout and not propagating.

    The level is read from the environment on every call, so that a module
    imported afresh (a cold start) follows the environment it starts in: see
    `level_from_environment`.
    """
    logger = logging.getLogger(name)
    if not logger.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level_from_environment())
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
