"""Sends to clients counted as CloudWatch metrics, in the embedded metric format.

Every `@connections` send the sender makes writes one JSON log line that also
carries a metric: `MessagesSent` when API Gateway took the message,
`ConnectionsGone` on a 410, `SendFailures` on any other refusal (the names are
in contract.json, `send_metrics`, which the module's alarms read too). Each is a
count of 1 in the namespace `METRICS_NAMESPACE` names, with one dimension,
`FunctionName`, the function that sent.

The embedded metric format (EMF) asks CloudWatch Logs to extract metrics from a
log event that is one JSON object with an `_aws` member at its root: `Timestamp`
in milliseconds since the epoch, and `CloudWatchMetrics`, a list of directives,
each with a `Namespace`, `Dimensions` (a list of dimension sets, each a list of
names of root members holding strings) and `Metrics` (a list of `{Name, Unit}`
naming root members holding numbers). The values themselves are root members
("Specification: Embedded metric format", Amazon CloudWatch User Guide,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
Lambda sends what a function writes to stdout to its log group, where CloudWatch
Logs extracts such metrics without an agent or `cloudwatch:PutMetricData`
("Using the embedded metric format with Lambda", same guide,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Lambda.html),
and with the JSON log format Lambda keeps a line that is already a JSON object
as it is, without wrapping it ("Lambda doesn't double-encode any logs that are
already JSON encoded": Lambda developer guide, "Configuring JSON and plain text
log formats", https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html),
so `_aws` stays at the root where CloudWatch looks for it. So the metric rides on
the handlers' own log line (`websocket_handlers.logs`), not a line of its own.

The line's `level` is the outcome's: INFO for a send, WARN for a 410, ERROR for a
failure. Lambda's log-level filtering drops lines below the function's
application log level before CloudWatch Logs sees them, so with
`lambda_application_log_level` above INFO `MessagesSent` is not counted, and
above WARN neither is `ConnectionsGone`; `SendFailures`, the one the module
alarms on, is kept at every level but FATAL.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from typing import Any

from websocket_handlers.config import metrics_namespace
from websocket_handlers.contract import SEND_METRICS

__all__ = [
    "COUNT",
    "ENV_FUNCTION_NAME",
    "MAX_DIMENSIONS",
    "MAX_METRICS",
    "OUTSIDE_LAMBDA",
    "emf_fields",
    "record_failure",
    "record_gone",
    "record_sent",
    "send_dimensions",
]

# Set by Lambda on every function ("Defined runtime environment variables").
ENV_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
# The dimension's value where Lambda sets no name: the local gateway, tests.
OUTSIDE_LAMBDA = "local"
# A unit CloudWatch's MetricDatum accepts, as the specification requires of `Unit`.
COUNT = "Count"
# The specification's limits: a dimension set names at most 30 dimensions, a
# directive at most 100 metrics.
MAX_DIMENSIONS = 30
MAX_METRICS = 100


def emf_fields(
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Mapping[str, float],
    *,
    unit: str = COUNT,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """The root members that make a JSON log line an EMF document.

    One directive with one dimension set; the dimension values and the metric
    values are root members named as the directive references them.

    Args:
        namespace: the CloudWatch namespace (validated by `config.metrics_namespace`).
        dimensions: dimension name to value, each a string.
        metrics: metric name to value, each a number.
        unit: the unit of every metric.
        timestamp_ms: when the values were measured; now when None.

    Raises:
        ValueError: a dimension value that is not a string, a metric value that
            is not a number, a name used twice, or more than the limits allow:
            CloudWatch would drop such a document.
    """
    if not 1 <= len(dimensions) <= MAX_DIMENSIONS or not 1 <= len(metrics) <= MAX_METRICS:
        raise ValueError(
            f"an EMF directive needs 1-{MAX_DIMENSIONS} dimensions and 1-{MAX_METRICS} metrics"
        )
    if set(dimensions) & set(metrics):
        raise ValueError("a dimension and a metric cannot share a name")
    if not all(isinstance(value, str) for value in dimensions.values()):
        raise ValueError("EMF dimension values must be strings")
    if not all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in metrics.values()
    ):
        raise ValueError("EMF metric values must be numbers")
    timestamp = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    return {
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": name, "Unit": unit} for name in metrics],
                }
            ],
        },
        **dimensions,
        **metrics,
    }


def send_dimensions(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The send metrics' one dimension: the name of the function that sent."""
    env = os.environ if environ is None else environ
    return {SEND_METRICS["dimension"]: env.get(ENV_FUNCTION_NAME) or OUTSIDE_LAMBDA}


def _record(
    logger: logging.Logger, level: int, message: str, metric: str, fields: Mapping[str, Any]
) -> None:
    """Log `message` at `level` with `fields` and a count of 1 of the send metric `metric`.

    The namespace and the function's name are read from the environment on each
    call; the handlers' cold start has already validated the namespace
    (`config.load_settings`), so a bad one fails there, not here.
    """
    if not logger.isEnabledFor(level):
        return
    emf = emf_fields(metrics_namespace(os.environ), send_dimensions(), {SEND_METRICS[metric]: 1})
    logger.log(level, message, extra={**fields, **emf})


def record_sent(logger: logging.Logger, connection_id: str, size: int) -> None:
    """A message of `size` bytes was handed to API Gateway for `connection_id`."""
    _record(
        logger,
        logging.INFO,
        "Sent a message",
        "sent",
        {"targetConnectionId": connection_id, "bytes": size},
    )


def record_gone(logger: logging.Logger, connection_id: str) -> None:
    """API Gateway answered 410: the client of `connection_id` has gone."""
    _record(
        logger,
        logging.WARNING,
        "The connection has gone (410)",
        "gone",
        {"targetConnectionId": connection_id, "statusCode": 410},
    )


def record_failure(
    logger: logging.Logger, connection_id: str, error_code: str, status: int | None
) -> None:
    """API Gateway refused a send for another reason than 410 (403, 413, 429, ...)."""
    _record(
        logger,
        logging.ERROR,
        "Could not send a message",
        "failed",
        {"targetConnectionId": connection_id, "errorCode": error_code, "statusCode": status},
    )
