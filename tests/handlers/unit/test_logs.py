"""Log lines: Lambda's JSON shape plus the invocation's connection and route."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
from websocket_handlers import logs
from websocket_handlers.config import ConfigError

from .cold_start import run_in_fresh_interpreter


@pytest.fixture(autouse=True)
def no_level_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts without Lambda's or the package's level variables."""
    monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)
    monkeypatch.delenv("LOG_LEVEL", raising=False)


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
    assert (line["bytes"], line["statusCode"], line["level"]) == (12, 200, "WARN")


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


@pytest.mark.parametrize(
    ("lambda_level", "python_level"),
    [
        ("TRACE", logging.DEBUG),
        ("DEBUG", logging.DEBUG),
        ("INFO", logging.INFO),
        ("WARN", logging.WARNING),
        ("ERROR", logging.ERROR),
        ("FATAL", logging.CRITICAL),
    ],
)
def test_every_lambda_application_log_level_sets_its_python_level(
    lambda_level, python_level, monkeypatch
):
    """Each level Lambda may put in AWS_LAMBDA_LOG_LEVEL, TRACE and FATAL included."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", lambda_level)

    assert logs.get_logger("websocket_handlers.levels").level == python_level


def test_lambda_log_level_wins_over_the_package_log_level(monkeypatch):
    """Lambda's own setting decides, whatever LOG_LEVEL a function still carries."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")

    assert logs.level_from_environment() == logging.ERROR
    assert logs.level_from_environment({"LOG_LEVEL": "debug"}) == logging.DEBUG
    assert logs.level_from_environment({}) == logging.INFO


@pytest.mark.parametrize("variable", ["AWS_LAMBDA_LOG_LEVEL", "LOG_LEVEL"])
def test_an_unknown_level_fails_naming_the_variable(variable, monkeypatch):
    """A typo fails the cold start with the variable's name, not Python's 'Unknown level'."""
    monkeypatch.setenv(variable, "verbose")

    with pytest.raises(ConfigError, match=f"{variable}='verbose' is not a log level"):
        logs.get_logger("websocket_handlers.typo")


@pytest.mark.parametrize(
    ("python_level", "lambda_name"),
    [
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARN"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "FATAL"),
    ],
)
def test_lines_carry_lambda_level_names(python_level, lambda_name, capsys, monkeypatch):
    """Lambda counts a line whose level it does not know as INFO, so WARNING would be lost."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "TRACE")
    logs.get_logger("websocket_handlers.names").log(python_level, "a line")

    assert last_line(capsys)["level"] == lambda_name


def test_lines_below_the_lambda_level_are_not_written(capsys, monkeypatch):
    """Under WARN an INFO line is not even formatted; a warning is written as WARN."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    logger = logs.get_logger("websocket_handlers.filtered")

    logger.info("dropped")
    logger.warning("kept")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [("WARN", "kept")]


def test_a_handler_cold_starts_under_lambda_trace_level():
    """A function whose application log level is TRACE imports and logs at DEBUG."""
    result = run_in_fresh_interpreter(
        "import websocket_handlers.connect as c; print(c.LOGGER.getEffectiveLevel())",
        CONNECTIONS_TABLE="chat-connections",
        CONNECTION_TTL_SECONDS="7200",
        AWS_REGION="eu-west-1",
        AWS_LAMBDA_LOG_LEVEL="TRACE",
        LOG_LEVEL="INFO",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(logging.DEBUG)]
