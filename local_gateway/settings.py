"""Settings of one local gateway run, with the same defaults as the Terraform module.

The defaults and API Gateway's limits come from the contract the module and the handlers
share (`local_gateway.contract`), so that a handler sees locally what it sees on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from local_gateway.authorizer import AuthorizerConfig
from local_gateway.contract import (
    CONNECTION_DURATION_SECONDS,
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    DEFAULT_STAGE,
    DEFAULT_THROTTLING_BURST_LIMIT,
    DEFAULT_THROTTLING_RATE_LIMIT,
    DEFAULT_TTL_SECONDS,
    IDLE_TIMEOUT_SECONDS,
)
from local_gateway.paths import HANDLERS_ROOT

__all__ = ["GatewaySettings"]


@dataclass(frozen=True, kw_only=True)
class GatewaySettings:
    """Everything that differs between one local gateway run and another.

    Attributes:
        host: Interface the WebSocket and management API listen on.
        port: TCP port; 0 picks a free one (tests read the bound port back).
        stage: Stage name, the first path segment as on AWS.
        route_selection_expression: The API's expression, evaluated against each message.
        connection_ttl_seconds: Passed to handlers as `CONNECTION_TTL_SECONDS`.
        table_name: Connections table, passed to handlers as `CONNECTIONS_TABLE`.
        source_dir: Directory the handler strings are imported from (the zip root).
        layer_dirs: The `python/` folder of each layer of every function, in merge
            order, searched after `source_dir` as Lambda searches /opt/python after
            the function's code. Default: the module's own layer, whose `python/`
            holds what `lambda_src` holds (`websocket_handlers`).
        idle_timeout: Seconds without a message after which API Gateway closes (1001).
        max_duration: Seconds after which API Gateway closes any connection (1001).
        region: Region the handlers' boto3 clients are told they run in.
        api_id: The `apiId` put in every event.
        max_environments: Execution environments (worker processes) of all functions
            together at most: this machine's limit, standing in for Lambda's default
            concurrency of 1,000; past it an invocation waits for a free environment.
            8: as many I/O-bound invocations side by side as a two-core machine makes
            use of, within the memory budget (local_gateway/README.md, "Memory").
        replace_idle_environment_after: At `max_environments`, seconds another
            function's environment must have been idle before a function that has an
            environment of its own replaces it rather than waiting for its own (see
            `local_gateway.pool.EnvironmentBudget`).
        account_concurrency: Lambda's account concurrency, shared by the functions
            without a reservation; past it an invocation is throttled as on AWS. None:
            not enforced (AWS's default, 1,000, is more than `max_environments`); 10 is
            what new accounts start with ("Lambda quotas").
        reserved_concurrency: Each function's own concurrency, the module's
            `lambda_reserved_concurrency`; past it its invocations are throttled.
        integration_timeout: Seconds API Gateway waits for an invocation: 29 on AWS,
            the most its quota allows; lower only in tests.
        idle_environment_seconds: An execution environment idle this long is shut down
            (Lambda does not document when it does; a few minutes is what users see).
        reload_interval: Seconds between checks for changed code under `source_dir` and
            `layer_dirs`; None turns hot reload off.
        tls_port: Port of the TLS listener serving the same stage and `@connections`
            (`wss://`, `https://`), whose `host:port` is the events' `domainName`; None:
            `port + 363` (8443 beside 8080), or a free port when `port` is 0 (or
            `port + 363` is past 65535).
        throttling_burst_limit: The stage's burst, the module's `throttling_burst_limit`.
        throttling_rate_limit: The stage's steady rate per second, the module's
            `throttling_rate_limit`.
        authorizer: How `$connect` is authorized (the module's authorization inputs):
            none, a Lambda REQUEST authorizer, or AWS_IAM.
        secrets: Values to store in the embedded SSM or Secrets Manager, by the
            parameter's or secret's ARN, for functions that read a secret by ARN.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    stage: str = DEFAULT_STAGE
    route_selection_expression: str = DEFAULT_ROUTE_SELECTION_EXPRESSION
    connection_ttl_seconds: int = DEFAULT_TTL_SECONDS
    table_name: str = "websocket-local-connections"
    source_dir: Path = HANDLERS_ROOT
    layer_dirs: tuple[Path, ...] = (HANDLERS_ROOT,)
    idle_timeout: float = IDLE_TIMEOUT_SECONDS
    max_duration: float = CONNECTION_DURATION_SECONDS
    region: str = "us-east-1"
    api_id: str = "local"
    max_environments: int = 8
    replace_idle_environment_after: float = 0.5
    account_concurrency: int | None = None
    reserved_concurrency: int | None = None
    integration_timeout: float = 29.0
    idle_environment_seconds: float = 300.0
    reload_interval: float | None = None
    tls_port: int | None = None
    throttling_burst_limit: int = DEFAULT_THROTTLING_BURST_LIMIT
    throttling_rate_limit: float = DEFAULT_THROTTLING_RATE_LIMIT
    authorizer: AuthorizerConfig = field(default_factory=AuthorizerConfig)
    secrets: Mapping[str, str] = field(default_factory=dict)
