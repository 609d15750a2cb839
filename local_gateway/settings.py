"""Settings of one local gateway run, with the same defaults as the Terraform module.

The defaults and API Gateway's limits come from the contract the module and the handlers
share (`local_gateway.contract`), so that a handler sees locally what it sees on AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from local_gateway.contract import (
    CONNECTION_DURATION_SECONDS,
    DEFAULT_ROUTE_SELECTION_EXPRESSION,
    DEFAULT_STAGE,
    DEFAULT_TTL_SECONDS,
    IDLE_TIMEOUT_SECONDS,
)
from local_gateway.paths import REPO_ROOT

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
    """

    host: str = "127.0.0.1"
    port: int = 8080
    stage: str = DEFAULT_STAGE
    route_selection_expression: str = DEFAULT_ROUTE_SELECTION_EXPRESSION
    connection_ttl_seconds: int = DEFAULT_TTL_SECONDS
    table_name: str = "websocket-local-connections"
    source_dir: Path = REPO_ROOT / "lambda_src"
    layer_dirs: tuple[Path, ...] = (REPO_ROOT / "lambda_src",)
    idle_timeout: float = IDLE_TIMEOUT_SECONDS
    max_duration: float = CONNECTION_DURATION_SECONDS
    region: str = "us-east-1"
    api_id: str = "local"
