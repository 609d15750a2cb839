"""What the gateway must agree on with the Terraform module and the handlers.

Read from `contract.json` in the handlers' package (`websocket_handlers.contract` says
what it holds), the file `main.tf` reads too, so a name, a quota or a default is
written once. The gateway reads the file rather than importing the package: the
handlers run in processes of their own, from the folders the settings name.

The module's variable defaults are here too, for the gateway to serve with when no
option says otherwise; `tests/static/test_tf_contract.py` keeps `variables.tf`'s
literal defaults equal to them.
"""

from __future__ import annotations

import json
from typing import Any

from local_gateway.paths import HANDLERS_ROOT

__all__ = [
    "CONNECTION_DURATION_SECONDS",
    "CONTRACT_FILE",
    "DEFAULT_MEMORY_SIZE",
    "DEFAULT_ROUTE_SELECTION_EXPRESSION",
    "DEFAULT_STAGE",
    "DEFAULT_THROTTLING_BURST_LIMIT",
    "DEFAULT_THROTTLING_RATE_LIMIT",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TTL_SECONDS",
    "ENV_CONNECTIONS_TABLE",
    "ENV_CONNECTION_TTL_SECONDS",
    "ENV_MANAGEMENT_API_ENDPOINT",
    "FRAME_BYTES",
    "HASH_KEY",
    "IDLE_TIMEOUT_SECONDS",
    "MESSAGE_BYTES",
    "TTL_ATTRIBUTE",
]

CONTRACT_FILE = HANDLERS_ROOT / "websocket_handlers" / "contract.json"

_CONTRACT: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
_TABLE = _CONTRACT["connections_table"]
_ENVIRONMENT = _CONTRACT["environment"]
_QUOTAS = _CONTRACT["api_gateway_quotas"]
_DEFAULTS = _CONTRACT["module_defaults"]

# The connections table's key and TTL attribute.
HASH_KEY: str = _TABLE["hash_key"]
TTL_ATTRIBUTE: str = _TABLE["ttl_attribute"]

# The variables the module sets on every function, which the gateway sets on its own.
ENV_CONNECTIONS_TABLE: str = _ENVIRONMENT["connections_table"]
ENV_CONNECTION_TTL_SECONDS: str = _ENVIRONMENT["connection_ttl_seconds"]
ENV_MANAGEMENT_API_ENDPOINT: str = _ENVIRONMENT["management_api_endpoint"]

# API Gateway's quotas: one message (from a client or an @connections POST), one frame
# of a client's message, and how long a connection may stay idle or open at all.
MESSAGE_BYTES: int = _QUOTAS["message_bytes"]
FRAME_BYTES: int = _QUOTAS["frame_bytes"]
IDLE_TIMEOUT_SECONDS: int = _QUOTAS["idle_timeout_seconds"]
CONNECTION_DURATION_SECONDS: int = _QUOTAS["connection_duration_seconds"]

# The module's variable defaults: stage, route selection, record lifetime, and what a
# route's function gets when the route sets no memory size or timeout.
DEFAULT_STAGE: str = _DEFAULTS["stage_name"]
DEFAULT_ROUTE_SELECTION_EXPRESSION: str = _DEFAULTS["route_selection_expression"]
DEFAULT_TTL_SECONDS: int = _DEFAULTS["connection_ttl_seconds"]
DEFAULT_MEMORY_SIZE: int = _DEFAULTS["lambda_memory_size"]
DEFAULT_TIMEOUT: int = _DEFAULTS["lambda_timeout"]
# The stage's throttling (token bucket: burst is its size, rate its refill per second).
DEFAULT_THROTTLING_BURST_LIMIT: int = _DEFAULTS["throttling_burst_limit"]
DEFAULT_THROTTLING_RATE_LIMIT: float = _DEFAULTS["throttling_rate_limit"]
