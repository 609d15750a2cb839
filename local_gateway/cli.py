"""`python -m local_gateway`: serve the stage until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from local_gateway import __version__
from local_gateway.authorizer import (
    AuthorizationType,
    AuthorizerConfig,
    AuthorizerConfigError,
    parse_assignments,
)
from local_gateway.invoker import StartupError
from local_gateway.paths import IN_CHECKOUT
from local_gateway.routes import RouteError, load_routes
from local_gateway.secret_store import SecretStoreError, parse_secret_arn
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from local_gateway.terraform_cli import add_terraform_arguments, plan_request
from local_gateway.terraform_source import PlanRequest, TerraformSourceError

__all__ = ["main", "parse_settings"]

# How often hot reload looks for changed files: soon enough that the next message after
# a save runs the new code.
_RELOAD_INTERVAL_SECONDS = 0.5


def _parser() -> argparse.ArgumentParser:
    defaults = GatewaySettings()
    parser = argparse.ArgumentParser(
        prog="python -m local_gateway",
        description="Run the WebSocket API and its handlers on this machine.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--host", default=defaults.host, help="interface to listen on")
    parser.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    parser.add_argument("--stage", default=defaults.stage, help="stage name (path of the URL)")
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=defaults.source_dir,
        help="directory handler strings are imported from (the Lambda zip root)",
    )
    parser.add_argument(
        "--layer-dir",
        type=Path,
        action="append",
        dest="layer_dirs",
        help="a layer's python/ folder, searched after --source-dir; repeat in merge order "
        "(default: the module's websocket_handlers layer, lambda_src)",
    )
    parser.add_argument(
        "--routes",
        type=Path,
        help="JSON file shaped like the module's `routes` variable, merged over the defaults",
    )
    parser.add_argument("--route-selection-expression", default=defaults.route_selection_expression)
    parser.add_argument(
        "--connection-ttl-seconds", type=int, default=defaults.connection_ttl_seconds
    )
    parser.add_argument("--table-name", default=defaults.table_name)
    parser.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout, help="seconds")
    parser.add_argument("--max-duration", type=float, default=defaults.max_duration, help="seconds")
    parser.add_argument(
        "--tls-port",
        type=int,
        default=defaults.tls_port,
        help="port serving the stage and @connections over TLS, the events' domainName "
        "(default: --port + 363, i.e. 8443; a free one when --port is 0)",
    )
    parser.add_argument(
        "--throttling-burst-limit",
        type=_positive_int,
        default=defaults.throttling_burst_limit,
        help="the stage's burst, as the module's throttling_burst_limit (default: %(default)s)",
    )
    parser.add_argument(
        "--throttling-rate-limit",
        type=_positive_float,
        default=defaults.throttling_rate_limit,
        help="the stage's requests per second, as the module's throttling_rate_limit "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--max-environments",
        type=_positive_int,
        default=defaults.max_environments,
        help="worker processes of all functions together at most; more invocations wait "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--account-concurrency",
        type=_positive_int,
        default=defaults.account_concurrency,
        help="throttle invocations past this many at once across functions without a "
        "reservation, as Lambda does (a new account has 10; default: not enforced)",
    )
    parser.add_argument(
        "--reserved-concurrency",
        type=_positive_int,
        default=defaults.reserved_concurrency,
        help="throttle each function past this many invocations at once, like the "
        "module's lambda_reserved_concurrency",
    )
    parser.add_argument(
        "--idle-environment-seconds",
        type=float,
        default=defaults.idle_environment_seconds,
        help="shut an execution environment down after this long without an invocation",
    )
    parser.add_argument(
        "--no-reload",
        dest="reload",
        action="store_false",
        help="do not restart functions when files under --source-dir or a layer change",
    )
    _add_authorization_arguments(parser)
    add_terraform_arguments(parser)
    return parser


def _add_authorization_arguments(parser: argparse.ArgumentParser) -> None:
    """The `$connect` authorization options, named after the module's inputs."""
    group = parser.add_argument_group(
        "$connect authorization",
        "Authorize each handshake as API Gateway does before $connect runs.",
    )
    group.add_argument(
        "--authorization-type",
        type=str.upper,
        choices=[member.value for member in AuthorizationType],
        default=AuthorizationType.NONE.value,
        help="NONE (default), CUSTOM (a Lambda REQUEST authorizer) or AWS_IAM (SigV4-signed "
        "or presigned handshakes)",
    )
    group.add_argument(
        "--authorizer-handler",
        help="CUSTOM: the authorizer's handler string, e.g. websocket_handlers.authorizer.handler",
    )
    group.add_argument(
        "--identity-source",
        action="append",
        default=[],
        dest="identity_sources",
        metavar="SOURCE",
        help="CUSTOM: e.g. route.request.querystring.token or route.request.header.Authorization; "
        "repeatable; a missing one answers 401 without invoking the authorizer",
    )
    group.add_argument(
        "--authorizer-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="CUSTOM: an environment variable of the authorizer function; repeatable",
    )
    group.add_argument(
        "--secret",
        action="append",
        default=[],
        dest="secrets",
        metavar="ARN=VALUE",
        help="store VALUE in the local SSM parameter or Secrets Manager secret ARN names, "
        "for functions that read it by ARN (the example authorizer's signing secret); "
        "repeatable",
    )


def _split_secret(item: str) -> tuple[str, str]:
    """`ARN=VALUE`: the ARN ends at the first `=` (a value may hold more of them)."""
    arn, equals, value = item.partition("=")
    if not equals:
        raise SecretStoreError(f"--secret {item!r} must look like ARN=VALUE")
    parse_secret_arn(arn)
    return arn, value


def _authorization(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> tuple[AuthorizerConfig, dict[str, str]]:
    """The authorizer configuration and the secrets, or a usage error naming the problem."""
    try:
        config = AuthorizerConfig(
            authorization_type=args.authorization_type,
            handler=args.authorizer_handler,
            identity_sources=args.identity_sources,
            environment=parse_assignments(args.authorizer_env, what="--authorizer-env"),
        )
        secrets = dict(_split_secret(item) for item in args.secrets)
    except (AuthorizerConfigError, SecretStoreError) as error:
        parser.error(str(error))
    return config, secrets


def _positive_int(text: str) -> int:
    """argparse type: a whole number from 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    """argparse type: a number greater than 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def parse_settings(argv: list[str] | None = None) -> tuple[GatewaySettings, Path | None]:
    """Turn command-line arguments into settings and the optional routes file."""
    parser = _parser()
    args = parser.parse_args(argv)
    authorizer, secrets = _authorization(parser, args)
    layer_dirs = args.layer_dirs or GatewaySettings().layer_dirs
    settings = GatewaySettings(
        host=args.host,
        port=args.port,
        stage=args.stage,
        route_selection_expression=args.route_selection_expression,
        connection_ttl_seconds=args.connection_ttl_seconds,
        table_name=args.table_name,
        source_dir=args.source_dir.resolve(),
        layer_dirs=tuple(path.resolve() for path in layer_dirs),
        idle_timeout=args.idle_timeout,
        max_duration=args.max_duration,
        tls_port=args.tls_port,
        throttling_burst_limit=args.throttling_burst_limit,
        throttling_rate_limit=args.throttling_rate_limit,
        max_environments=args.max_environments,
        account_concurrency=args.account_concurrency,
        reserved_concurrency=args.reserved_concurrency,
        idle_environment_seconds=args.idle_environment_seconds,
        reload_interval=_RELOAD_INTERVAL_SECONDS if args.reload else None,
        authorizer=authorizer,
        secrets=secrets,
    )
    return settings, args.routes


def _describe(config: AuthorizerConfig) -> str:
    """One line saying how `$connect` is authorized."""
    if config.authorization_type == AuthorizationType.CUSTOM:
        sources = ", ".join(config.identity_sources)
        return f"CUSTOM, {config.handler} (identity sources: {sources})"
    return str(config.authorization_type)


async def _serve(service: GatewayService) -> None:
    """Serve until SIGINT or SIGTERM, then stop everything, moto included."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with service:
        print(
            f"WebSocket API:   {service.websocket_url}\n"
            f"@connections:    {service.callback_url}/@connections/{{connectionId}}"
            " (SigV4-signed; also on the plain port)\n"
            f"Over TLS:        wss://{service.domain_name}/{service.settings.stage}"
            f" (CA: {service.tls.ca_file if service.tls else '-'})\n"
            f"DynamoDB:        {service.dynamodb.endpoint} (table {service.settings.table_name})\n"
            f"Secrets:         {service.dynamodb.endpoint} (SSM, Secrets Manager; --secret)\n"
            f"$connect auth:   {_describe(service.settings.authorizer)}\n"
            f"Console:         {service.console_url} (in a browser)\n"
            f"Connect with:    .venv/bin/python -m websockets {service.websocket_url}\n"
            "Stop with Ctrl-C.",
            flush=True,
        )
        await stop.wait()
        print("Stopping: closing connections ($disconnect runs for each)...", flush=True)
    print("Stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="[gateway] %(message)s")
    settings, routes_file = parse_settings(argv)
    request = plan_request(_parser().parse_args(argv))
    if request is not None:
        if routes_file is not None:
            print("error: --routes and --terraform exclusive: the plan describes the routes")
            return 2
        return serve_terraform(request, settings, _parser().parse_args(argv).api_name)
    if routes_file is None and not IN_CHECKOUT:
        # Installed from a package, there is no module checkout with default routes.
        print("error: give --terraform DIR, the folder of the stack to serve (e.g. `.`)")
        return 2
    try:
        routes = load_routes(routes_file)
    except RouteError as error:
        print(f"error: {error}")
        return 2
    try:
        asyncio.run(_serve(GatewayService(settings=settings, routes=routes)))
    except StartupError as error:
        print("error: the gateway cannot start:", *error.problems, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def serve_terraform(request: PlanRequest, base: GatewaySettings, api_name: str | None) -> int:
    """Plan the stack (or take the cached plan), create its resources, serve its API."""
    # Loaded here: it imports boto3, which `make run`'s start-up need not wait for.
    from local_gateway.terraform_stack import StackError, load_terraform_stack  # noqa: PLC0415

    try:
        run = load_terraform_stack(request, base, api_name=api_name)
    except (TerraformSourceError, StackError) as error:
        print(f"error: cannot serve {request.directory}:\n  {error}".replace("\n", "\n  "))
        return 2
    try:
        asyncio.run(_serve(GatewayService(settings=run.settings, routes=run.routes)))
    except StartupError as error:
        print("error: the gateway cannot start:", *error.problems, sep="\n  ", file=sys.stderr)
        return 1
    finally:
        run.close()
    return 0
