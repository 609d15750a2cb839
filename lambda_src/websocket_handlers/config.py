"""Settings read from the environment the Terraform module sets on each function.

Handlers load their settings at import time, during the Lambda cold start, so a
misconfigured function fails on its first invocation with a message naming the
variable, rather than half-working until a code path first reads it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from websocket_handlers.contract import (
    ENV_CONNECTION_TTL_SECONDS,
    ENV_CONNECTIONS_TABLE,
    ENV_MANAGEMENT_API_ENDPOINT,
    ENV_METRICS_NAMESPACE,
    METRICS_NAMESPACE_DEFAULT,
)

__all__ = ["ConfigError", "Settings", "load_settings", "metrics_namespace"]

# Set by Lambda itself; the module's own variables are named in contract.json.
_AWS_REGION = "AWS_REGION"

# DynamoDB's own rule for table names.
_TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")

# CloudWatch's rule for namespaces: up to 255 of 0-9 A-Z a-z . - _ / # : and
# space, not only spaces ("Amazon CloudWatch concepts", Namespaces,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html),
# not starting with a colon (the Metric API's `Namespace` pattern `[^:].*`,
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Metric.html)
# and not with `AWS/`, which is reserved for AWS's own (PutMetricData).
_NAMESPACE = re.compile(r"(?!AWS/)(?! *$)[0-9A-Za-z._/#\- ][0-9A-Za-z._/#:\- ]{0,254}")


class ConfigError(RuntimeError):
    """An environment variable is missing or has a value the handlers cannot use."""


@dataclass(frozen=True)
class Settings:
    """What a handler needs to know about its deployment.

    Attributes:
        connections_table: name of the DynamoDB table holding live connections.
        connection_ttl_seconds: how long a connection record lives before DynamoDB's
            TTL may delete it.
        management_api_endpoint: base URL of the `@connections` API including the
            stage: the Terraform module derives it from the API's own endpoint,
            the local gateway points it at itself. None derives it from each
            event instead (see `websocket_handlers.sender.endpoint_url`).
        region: the AWS region the function runs in, for which `@connections`
            requests are signed.
        metrics_namespace: the CloudWatch namespace of the send metrics
            (`websocket_handlers.metrics`).
    """

    connections_table: str
    connection_ttl_seconds: int
    management_api_endpoint: str | None
    region: str | None
    metrics_namespace: str = METRICS_NAMESPACE_DEFAULT


def load_settings(
    environ: Mapping[str, str] | None = None, *, sends_messages: bool = False
) -> Settings:
    """Read and validate the settings.

    Args:
        environ: the environment to read; `os.environ` when None.
        sends_messages: whether the caller posts to `@connections`, and so needs
            a region: those requests are signed (SigV4) for the API's region,
            whatever the endpoint.

    Raises:
        ConfigError: naming the first variable that is missing or invalid.
    """
    env = os.environ if environ is None else environ
    endpoint = _endpoint(env.get(ENV_MANAGEMENT_API_ENDPOINT))
    region = env.get(_AWS_REGION) or None
    if sends_messages and region is None:
        raise ConfigError(
            f"{_AWS_REGION} is not set: @connections requests are signed for the API's region"
        )
    return Settings(
        connections_table=_table_name(env.get(ENV_CONNECTIONS_TABLE)),
        connection_ttl_seconds=_ttl_seconds(env.get(ENV_CONNECTION_TTL_SECONDS)),
        management_api_endpoint=endpoint,
        region=region,
        metrics_namespace=metrics_namespace(env),
    )


def metrics_namespace(environ: Mapping[str, str]) -> str:
    """The namespace `METRICS_NAMESPACE` names, or the module's default when unset.

    Raises:
        ConfigError: a name CloudWatch would refuse, so that the cold start fails
            rather than every metric being dropped silently.
    """
    value = environ.get(ENV_METRICS_NAMESPACE)
    if not value:
        return METRICS_NAMESPACE_DEFAULT
    if not _NAMESPACE.fullmatch(value):
        raise ConfigError(
            f"{ENV_METRICS_NAMESPACE}={value!r} is not a CloudWatch namespace: 1-255 of "
            "0-9 A-Z a-z . - _ / # : and space, not starting with ':' or 'AWS/'"
        )
    return value


def _table_name(value: str | None) -> str:
    if not value:
        raise ConfigError(f"{ENV_CONNECTIONS_TABLE} is not set: it names the connections table")
    if not _TABLE_NAME.fullmatch(value):
        raise ConfigError(
            f"{ENV_CONNECTIONS_TABLE}={value!r} is not a DynamoDB table name "
            "(3-255 characters among A-Z a-z 0-9 _ . -)"
        )
    return value


def _ttl_seconds(value: str | None) -> int:
    if not value:
        raise ConfigError(f"{ENV_CONNECTION_TTL_SECONDS} is not set: it is the record lifetime")
    try:
        seconds = int(value)
    except ValueError:
        seconds = 0
    if seconds <= 0:
        raise ConfigError(
            f"{ENV_CONNECTION_TTL_SECONDS}={value!r} is not a positive whole number of seconds"
        )
    return seconds


def _endpoint(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{ENV_MANAGEMENT_API_ENDPOINT}={value!r} is not an http(s) URL "
            "such as http://127.0.0.1:8080/dev"
        )
    return value.rstrip("/")
