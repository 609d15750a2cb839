"""The send metrics' EMF documents, held to CloudWatch's specification (tests/handlers/emf.py)."""

from __future__ import annotations

import json
import logging

import pytest
from websocket_handlers import logs, metrics
from websocket_handlers.config import ConfigError, load_settings, metrics_namespace
from websocket_handlers.contract import METRICS_NAMESPACE_DEFAULT, SEND_METRICS

from tests.handlers.emf import emf_lines, emf_violations

BASE = {"CONNECTIONS_TABLE": "chat-connections", "CONNECTION_TTL_SECONDS": "7200"}


def test_emf_fields_are_the_specified_document():
    """One directive, one dimension set, values as root members: exactly the spec's shape."""
    fields = metrics.emf_fields(
        "Chat",
        {"FunctionName": "chat-default"},
        {"SendFailures": 1},
        timestamp_ms=1_700_000_000_000,
    )

    assert fields == {
        "_aws": {
            "Timestamp": 1_700_000_000_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "Chat",
                    "Dimensions": [["FunctionName"]],
                    "Metrics": [{"Name": "SendFailures", "Unit": "Count"}],
                }
            ],
        },
        "FunctionName": "chat-default",
        "SendFailures": 1,
    }
    assert emf_violations(json.dumps(fields)) == []


def test_emf_timestamp_defaults_to_now_in_milliseconds(monkeypatch):
    """Without a timestamp the document carries the current time in whole milliseconds."""
    monkeypatch.setattr(metrics.time, "time", lambda: 1_700_000_000.1234)

    fields = metrics.emf_fields("Chat", {"FunctionName": "f"}, {"MessagesSent": 1})

    assert fields["_aws"]["Timestamp"] == 1_700_000_000_123


@pytest.mark.parametrize(
    ("dimensions", "values", "problem"),
    [
        pytest.param({"FunctionName": 7}, {"Sent": 1}, "strings", id="dimension-not-string"),
        pytest.param({"FunctionName": "f"}, {"Sent": True}, "numbers", id="bool-metric"),
        pytest.param({"FunctionName": "f"}, {"Sent": "1"}, "numbers", id="string-metric"),
        pytest.param({"Sent": "f"}, {"Sent": 1}, "share a name", id="same-name"),
        pytest.param({}, {"Sent": 1}, "1-30 dimensions", id="no-dimension"),
        pytest.param({f"D{i}": "x" for i in range(31)}, {"Sent": 1}, "1-30", id="31-dimensions"),
        pytest.param({"FunctionName": "f"}, {}, "1-100 metrics", id="no-metric"),
    ],
)
def test_emf_fields_refuse_documents_cloudwatch_would_drop(dimensions, values, problem):
    """A value of the wrong type, a clash of names or a count outside the limits is an error."""
    with pytest.raises(ValueError, match=problem):
        metrics.emf_fields("Chat", dimensions, values)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"FunctionName": "f", "Sent": 1}, id="no-_aws"),
        pytest.param({"_aws": {"CloudWatchMetrics": []}}, id="empty-directives"),
        pytest.param(
            {
                "_aws": {
                    "Timestamp": 1_700_000_000,
                    "CloudWatchMetrics": [
                        {"Namespace": "C", "Dimensions": [["F"]], "Metrics": [{"Name": "S"}]}
                    ],
                },
                "F": "f",
                "S": 1,
            },
            id="timestamp-in-seconds",
        ),
        pytest.param(
            {
                "_aws": {
                    "Timestamp": 1_700_000_000_000,
                    "CloudWatchMetrics": [
                        {"Namespace": "C", "Dimensions": [["F"]], "Metrics": [{"Name": "S"}]}
                    ],
                },
                "F": 3,
                "S": "1",
            },
            id="wrong-value-types",
        ),
        pytest.param(
            {
                "_aws": {
                    "Timestamp": 1_700_000_000_000,
                    "CloudWatchMetrics": [
                        {
                            "Namespace": "C",
                            "Dimensions": [["F"]],
                            "Metrics": [{"Name": "S", "Unit": "Counts"}],
                        }
                    ],
                },
                "F": "f",
                "S": 1,
            },
            id="unknown-unit",
        ),
    ],
)
def test_the_spec_checker_catches_broken_documents(broken):
    """The checker the other tests rely on refuses what the specification refuses."""
    assert emf_violations(json.dumps(broken))
    assert emf_violations("INFO " + json.dumps(broken))


def _logger(name: str) -> logging.Logger:
    """A JSON-lines logger of the handlers', at the level the environment says."""
    return logs.get_logger(f"websocket_handlers.test_metrics.{name}")


@pytest.mark.parametrize(
    ("record", "level", "metric"),
    [
        (lambda logger: metrics.record_sent(logger, "abc=", 5), "INFO", "sent"),
        (lambda logger: metrics.record_gone(logger, "abc="), "WARN", "gone"),
        (
            lambda logger: metrics.record_failure(logger, "abc=", "ForbiddenException", 403),
            "ERROR",
            "failed",
        ),
    ],
    ids=["sent", "gone", "failed"],
)
def test_each_outcome_is_one_json_log_line_with_its_metric(
    monkeypatch, capsys, record, level, metric
):
    """A send, a 410 and a failure each print one line that is both the handlers' JSON
    log line (level, message, invocation fields) and a valid EMF document at its root."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "chat-default")
    monkeypatch.setenv("METRICS_NAMESPACE", "Chat/Prod")
    logger = _logger(metric)

    with logs.invocation("req-1"):
        record(logger)

    (line,) = capsys.readouterr().out.splitlines()
    assert emf_violations(line) == []
    document = json.loads(line)
    assert (document["level"], document["requestId"]) == (level, "req-1")
    assert document["targetConnectionId"] == "abc="
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive == {
        "Namespace": "Chat/Prod",
        "Dimensions": [["FunctionName"]],
        "Metrics": [{"Name": SEND_METRICS[metric], "Unit": "Count"}],
    }
    assert document["FunctionName"] == "chat-default"
    assert document[SEND_METRICS[metric]] == 1


def test_outside_lambda_the_dimension_is_local_and_the_namespace_the_default(monkeypatch, capsys):
    """Without Lambda's function name or a namespace (local gateway, tests) the metric
    still validates, under `local` and the module's default namespace."""
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("METRICS_NAMESPACE", raising=False)

    metrics.record_sent(_logger("outside"), "abc=", 1)

    (document,) = emf_lines(capsys.readouterr().out)
    assert document["FunctionName"] == metrics.OUTSIDE_LAMBDA
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == METRICS_NAMESPACE_DEFAULT


def test_lines_lambda_would_filter_out_are_not_written(monkeypatch, capsys):
    """Under Lambda's WARN application log level a send (INFO) writes nothing, as Lambda
    would drop it; a failure (ERROR) is still written and counted."""
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    logger = _logger("filtered")

    metrics.record_sent(logger, "abc=", 1)
    metrics.record_failure(logger, "abc=", "LimitExceededException", 429)

    (document,) = emf_lines(capsys.readouterr().out)
    assert document[SEND_METRICS["failed"]] == 1
    assert SEND_METRICS["sent"] not in document


@pytest.mark.parametrize(
    "namespace",
    ["AWS/Lambda", ":Chat", "   ", "Chat$", "x" * 256, "Ümlaut"],
)
def test_a_namespace_cloudwatch_refuses_fails_the_cold_start(namespace):
    """METRICS_NAMESPACE outside CloudWatch's rule is a ConfigError naming the variable."""
    with pytest.raises(ConfigError, match="METRICS_NAMESPACE"):
        load_settings({**BASE, "METRICS_NAMESPACE": namespace})


@pytest.mark.parametrize("namespace", ["Chat", "My App/ws#1:prod", "a.b-c_d", "x" * 255])
def test_namespaces_cloudwatch_accepts_are_kept(namespace):
    """Every character CloudWatch allows in a namespace is accepted, up to 255 of them."""
    assert load_settings({**BASE, "METRICS_NAMESPACE": namespace}).metrics_namespace == namespace
    assert metrics_namespace({}) == METRICS_NAMESPACE_DEFAULT
