"""Run the WebSocket service of this module on one machine, without an AWS account.

The gateway plays API Gateway's part for the unchanged handlers in `lambda_src/`:
it selects routes, builds API Gateway-shaped events, serves the `@connections`
management API and keeps the connections table in an embedded DynamoDB.

- The core knows nothing of sockets: `core` (`GatewayCore`, API Gateway's semantics as
  plain method calls), `routes`, `lambda_events` (builds the events handlers get) and
  `registry` (the live connections).
- `aiohttp_adapter` is the thin layer that puts the core on the network.
- `invoker` and `worker` run each route's handler in a process of its own, as Lambda runs
  a function; `dynamodb` is the embedded connections table.
- `service` (`GatewayService`) starts and stops all of it; `cli` and `demo` run it.
- `settings` holds one run's settings; `contract` the names, quotas and defaults shared
  with the Terraform module and the handlers.
"""

__all__: list[str] = []
