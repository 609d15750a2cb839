"""Log lines: Lambda's JSON shape plus the invocation's connection and route."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
from websocket_handlers import logs


@pytest.fixture
def logger() -> logging.Logger:
    """A logger configured as the handlers configure theirs."""
    return logs.get_logger("websocket_handlers.tests")


def last_line(capsys: pytest.CaptureFixture[str]) -> dict:
    """The last JSON line written to stdout."""
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def test_line_has_lambda_fields_and_the_invocation_context(logger, capsys):
    """timestamp, level, message, logger, requestId, connectionId and routeKey on one line."""
    with logs.invocation("lambda-request-1"):
        logs.bind(connectionId="conn=", routeKey="$default")
        logger.info("Echoed %d bytes", 5)

    line = last_line(capsys)
    assert {key: line[key] for key in ("level", "message", "logger")} == {
        "level": "INFO",
        "message": "Echoed 5 bytes",
        "logger": "websocket_handlers.tests",
    }
    assert (line["requestId"], line["connectionId"], line["routeKey"]) == (
        "lambda-request-1",
        "conn=",
        "$default",
    )
    assert line["timestamp"].endswith("Z")
    datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))


def test_extra_fields_are_added(logger, capsys):
    """Fields passed with extra= appear as top-level keys."""
    logger.warning("Sent", extra={"bytes": 12, "statusCode": 200})

    line = last_line(capsys)
    assert (line["bytes"], line["statusCode"], line["level"]) == (12, 200, "WARNING")


def test_exception_adds_type_message_and_traceback(logger, capsys):
    """A logged exception carries errorType, errorMessage and the stack trace lines."""
    try:
        raise KeyError("connectionId")
    except KeyError:
        logger.exception("Handler failed")

    line = last_line(capsys)
    assert line["errorType"] == "KeyError"
    assert "connectionId" in line["errorMessage"]
    assert any("raise KeyError" in frame for frame in line["stackTrace"])


def test_context_ends_with_the_invocation(logger, capsys):
    """Fields bound in one invocation never leak into lines written after it."""
    with logs.invocation("first"):
        logs.bind(connectionId="conn=")
    logger.info("between invocations")

    line = last_line(capsys)
    assert (line["requestId"], line["connectionId"], line["routeKey"]) == (None, None, None)


def test_lines_are_not_propagated_to_the_root_logger(logger, capsys, caplog):
    """On Lambda the runtime's root handler would print every line a second time."""
    logger.error("only once")

    assert caplog.records == []
    assert capsys.readouterr().out.count("only once") == 1


def test_get_logger_configures_a_logger_once(capsys):
    """Fetching a logger again, as a module reload does, adds no second handler."""
    logs.get_logger("websocket_handlers.twice")
    logs.get_logger("websocket_handlers.twice").info("one line")

    assert capsys.readouterr().out.count("one line") == 1
