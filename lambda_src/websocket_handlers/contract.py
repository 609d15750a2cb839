"""What the Terraform module, these handlers and the local gateway must agree on.

The facts live in `contract.json` beside this module, the one place each is written:

- `connections_table`: the table's hash key and TTL attribute, and the attribute
  `$connect` stores the authorized principal in. The module builds the table with
  them, the store writes them, the local gateway's table has them.
- `environment`: the names of the variables the module sets on every function and
  the local gateway sets on its handler processes.
- `send_metrics`: the names of the metrics the sender publishes for each send (see
  `websocket_handlers.metrics`) and of their one dimension, which the module's
  alarms and dashboard read.
- `authorizer`: the example `$connect` authorizer's handler, the identity source
  it reads its token from, and the names of its environment variables, which the
  module sets on the authorizer function and the local gateway on its process.
- `api_gateway_quotas`: API Gateway's WebSocket quotas, which the handlers check
  messages against and the local gateway enforces ("Quotas for configuring and
  running a WebSocket in API Gateway", API Gateway developer guide,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
  The frame size and the integration timeout are there for the module's checks and
  docs: neither the handlers nor the local gateway split frames or cut invocations.
- `module_defaults`: the defaults of the module's variables that the local gateway
  serves with when nothing else is said.

The file ships in the function zip and in the layer, so this module reads it with
the standard library when it is imported; `main.tf` reads it with
`jsondecode(file(...))`; the local gateway reads it from this package's folder.
Terraform needs some of these values as literals (variable defaults, validation
conditions): one test, `tests/static/test_tf_contract.py`, holds them to this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "AUTHORIZER_HANDLER",
    "CONTRACT",
    "ENV_AUTHORIZER_AUDIENCE",
    "ENV_AUTHORIZER_SECRET_ARN",
    "ENV_CONNECTIONS_TABLE",
    "ENV_CONNECTION_TTL_SECONDS",
    "ENV_MANAGEMENT_API_ENDPOINT",
    "ENV_METRICS_NAMESPACE",
    "HASH_KEY",
    "MESSAGE_BYTES",
    "METRICS_NAMESPACE_DEFAULT",
    "PRINCIPAL_ATTRIBUTE",
    "SEND_METRICS",
    "TOKEN_QUERY_PARAMETER",
    "TTL_ATTRIBUTE",
]

# The whole document; the names below are the parts the handlers use.
CONTRACT: Mapping[str, Any] = MappingProxyType(
    json.loads(Path(__file__).with_name("contract.json").read_text(encoding="utf-8"))
)

HASH_KEY: str = CONTRACT["connections_table"]["hash_key"]
TTL_ATTRIBUTE: str = CONTRACT["connections_table"]["ttl_attribute"]
PRINCIPAL_ATTRIBUTE: str = CONTRACT["connections_table"]["principal_attribute"]

ENV_CONNECTIONS_TABLE: str = CONTRACT["environment"]["connections_table"]
ENV_CONNECTION_TTL_SECONDS: str = CONTRACT["environment"]["connection_ttl_seconds"]
ENV_MANAGEMENT_API_ENDPOINT: str = CONTRACT["environment"]["management_api_endpoint"]
ENV_METRICS_NAMESPACE: str = CONTRACT["environment"]["metrics_namespace"]

# The send metrics' names and dimension, and the namespace when none is set.
SEND_METRICS: Mapping[str, str] = CONTRACT["send_metrics"]
METRICS_NAMESPACE_DEFAULT: str = CONTRACT["module_defaults"]["metrics_namespace"]

AUTHORIZER_HANDLER: str = CONTRACT["authorizer"]["handler"]
TOKEN_QUERY_PARAMETER: str = CONTRACT["authorizer"]["token_query_parameter"]
ENV_AUTHORIZER_SECRET_ARN: str = CONTRACT["authorizer"]["secret_arn_environment"]
ENV_AUTHORIZER_AUDIENCE: str = CONTRACT["authorizer"]["audience_environment"]

# The most a message may carry, in a frame from a client or in an @connections POST.
MESSAGE_BYTES: int = CONTRACT["api_gateway_quotas"]["message_bytes"]
