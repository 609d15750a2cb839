"""`python -m local_gateway`: serve the stage until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from pathlib import Path

from local_gateway.routes import RouteError, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings

__all__ = ["main", "parse_settings"]


def _parser() -> argparse.ArgumentParser:
    defaults = GatewaySettings()
    parser = argparse.ArgumentParser(
        prog="python -m local_gateway",
        description="Run the WebSocket API and its handlers on this machine.",
    )
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
    return parser


def parse_settings(argv: list[str] | None = None) -> tuple[GatewaySettings, Path | None]:
    """Turn command-line arguments into settings and the optional routes file."""
    args = _parser().parse_args(argv)
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
    )
    return settings, args.routes


async def _serve(service: GatewayService) -> None:
    """Serve until SIGINT or SIGTERM, then stop everything, moto included."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with service:
        print(
            f"WebSocket API:   {service.websocket_url}\n"
            f"@connections:    {service.management_url}/@connections/{{connectionId}}\n"
            f"DynamoDB:        {service.dynamodb.endpoint} (table {service.settings.table_name})\n"
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
    try:
        routes = load_routes(routes_file)
    except RouteError as error:
        print(f"error: {error}")
        return 2
    asyncio.run(_serve(GatewayService(settings=settings, routes=routes)))
    return 0
