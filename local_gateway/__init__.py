"""Run the WebSocket service of this module on one machine, without an AWS account.

The gateway plays API Gateway's part for the unchanged handlers in `lambda_src/`:
it selects routes, builds API Gateway-shaped events, serves the `@connections`
management API and keeps the connections table in an embedded DynamoDB. The core
(`core`, `routes`, `events`, `registry`) knows nothing of sockets; `server` is the thin
aiohttp adapter that puts it on the network.
"""

__all__: list[str] = []
