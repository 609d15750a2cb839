"""`make bench` / `python -m bench [--quick] [--peer]`: measure, print a table, write JSON.

Every server is started first and stopped last; each workload then runs against each
server in turn (gateway, raw, peer, gateway, raw, peer, ...) for several rounds, so slow
drifts of a shared machine fall on all of them alike, one workload after the other. The
figures are the medians of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from websockets.exceptions import WebSocketException

from bench import workloads
from bench.handler_cost import handler_cost
from bench.report import check_targets, format_handler_table, format_table, summarize_rounds
from bench.servers import peer_spec, peer_versions, raw_spec
from local_gateway.paths import REPO_ROOT
from tools.child_server import (
    ChildServer,
    ServerError,
    gateway_spec,
    raise_fd_limit,
    wait_until_idle,
)

__all__ = ["FULL", "QUICK", "Plan", "main"]

_BUILD = REPO_ROOT / ".build"


@dataclass(frozen=True)
class Plan:
    """How much work each measurement does: the full run's sizes by default (`--quick`: less)."""

    rounds: int = 3
    round_trips: int = 500
    warmup: int = 50
    throughput_connections: int = 20
    throughput_messages: int = 100
    connect_cycles: int = 200
    mass_connections: int = 1000
    scale_out_connections: int = 8
    invocations: int = 500
    import_repetitions: int = 7


FULL = Plan()
QUICK = replace(
    FULL,
    rounds=1,
    round_trips=50,
    warmup=5,
    throughput_connections=5,
    throughput_messages=10,
    connect_cycles=20,
    mass_connections=50,
    scale_out_connections=4,
    invocations=20,
    import_repetitions=1,
)

Workload = Callable[[ChildServer], Awaitable[dict[str, Any]]]

# Workloads only some servers run: the gateway's own routes, and a fresh start of the
# servers that start in a second (npm's serverless takes several).
_ONLY_ON = {
    "noop": {"gateway"},
    "scale_out": {"gateway"},
    "start_up": {"gateway", "raw"},
}

# The gateway as the bench runs it: as `make run` does (TLS listener, the functions'
# `@connections` calls over https with SigV4 checked), plus the bench's own two-way routes
# (`noop`, `nap`) from bench/handlers_src, and the stage's throttling raised to API
# Gateway's account-level quota (10,000 requests per second, a bucket of 5,000: "Amazon
# API Gateway quotas", https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
# The module's defaults (burst 500) would refuse half of the 1,000 connections opened at
# once, as API Gateway would: the bench measures the gateway, not the throttle.
GATEWAY_ARGS = (
    "--source-dir",
    "bench/handlers_src",
    "--routes",
    "bench/routes.json",
    "--throttling-burst-limit",
    "5000",
    "--throttling-rate-limit",
    "10000",
)


def _workloads(plan: Plan) -> dict[str, Workload]:
    """Each named workload, bound to the plan's sizes."""
    return {
        "start_up": lambda server: workloads.start_up(server.spec),
        "latency": lambda server: workloads.latency(
            server.url, round_trips=plan.round_trips, warmup=plan.warmup
        ),
        "noop": lambda server: workloads.latency(
            server.url, round_trips=plan.round_trips, warmup=plan.warmup, action="noop"
        ),
        "scale_out": lambda server: workloads.scale_out(
            server.url, connections=plan.scale_out_connections
        ),
        "throughput": lambda server: workloads.throughput(
            server.url,
            connections=plan.throughput_connections,
            messages=plan.throughput_messages,
        ),
        "connect_rate": lambda server: workloads.connect_rate(
            server.url, cycles=plan.connect_cycles
        ),
        "mass": lambda server: workloads.mass_connections(
            server.url, connections=plan.mass_connections, server_pid=server.pid
        ),
    }


async def _measure(
    servers: list[ChildServer], plan: Plan
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every round of every workload on every server, interleaved.

    Workload by workload, and the 1,000-connection one last: a server it breaks (the
    peer does not survive it) still has its other figures measured in every round.
    """
    results: dict[str, dict[str, list[dict[str, Any]]]] = {s.name: {} for s in servers}
    for name, workload in _workloads(plan).items():
        for round_number in range(1, plan.rounds + 1):
            for server in servers:
                if server.name not in _ONLY_ON.get(name, {server.name}):
                    continue
                # The previous server may still be running `$disconnect` for its clients.
                await asyncio.to_thread(wait_until_idle, server.pid)
                print(f"round {round_number}/{plan.rounds}: {name} on {server.name}", flush=True)
                try:
                    figures = await workload(server)
                except (OSError, TimeoutError, WebSocketException) as error:
                    # A server that fails a workload is a result, not the end of the run.
                    figures = {"error": f"{type(error).__name__}: {error}"}
                    print(f"  {server.name} failed: {figures['error']}", flush=True)
                results[server.name].setdefault(name, []).append(figures)
                for other in servers:
                    await asyncio.to_thread(wait_until_idle, other.pid)
    return results


def _machine() -> dict[str, Any]:
    """Where the figures come from, for bench/README.md."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def _run_servers(plan: Plan, *, peer: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """Start the servers, run the workloads, stop the servers; medians per server."""
    specs = [gateway_spec(*GATEWAY_ARGS), raw_spec()]
    versions: dict[str, str] = {}
    if peer:
        specs.append(peer_spec())
        versions = peer_versions()
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(ChildServer(spec, log_dir=_BUILD / "bench")) for spec in specs
        ]
        management_api = _secured_management_api(servers[0].output)
        raw = asyncio.run(_measure(servers, plan))
    summary = {
        server: {
            workload: summarize_rounds([r for r in rounds if "error" not in r])
            for workload, rounds in by_workload.items()
        }
        for server, by_workload in raw.items()
    }
    return {"rounds": raw, "medians": summary, "gateway_management_api": management_api}, versions


_MANAGEMENT_API = re.compile(r"^@connections:\s+(?P<url>\S+).*\((?P<auth>SigV4-signed)", re.M)


def _secured_management_api(banner: str) -> str:
    """The `@connections` URL the gateway hands its functions, from its banner: it must be
    https (the functions trust the local CA through AWS_CA_BUNDLE) with SigV4 checked, as
    issue 11 has the bench measure it.

    Raises:
        ServerError: The banner shows a plain-http or unsigned management API.
    """
    found = _MANAGEMENT_API.search(banner)
    if found is None or not found["url"].startswith("https://"):
        raise ServerError(f"the gateway's functions do not call @connections over https:\n{banner}")
    return found["url"]


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run, not figures")
    parser.add_argument("--peer", action="store_true", help="also run serverless-offline")
    parser.add_argument("--output", type=Path, default=_BUILD / "bench.json")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    # This process holds every client socket at once (the soft limit is often 1,024).
    raise_fd_limit(plan.mass_connections + 256)
    started = time.time()
    try:
        servers, versions = _run_servers(plan, peer=args.peer)
    except ServerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("Handler cost (cold import, warm invocations)...", flush=True)
    handlers = handler_cost(
        invocations=plan.invocations, import_repetitions=plan.import_repetitions
    )
    targets = check_targets(servers["medians"], handlers)
    names = list(servers["medians"])
    print(f"\nServers: medians of {plan.rounds} round(s)\n")
    print(format_table(servers["medians"], names))
    print(f"\nHandlers (zip: {handlers['zip_bytes']:,} bytes)\n")
    print(format_handler_table(handlers["handlers"]))
    print(f"\nboto3 alone: {handlers['boto3_alone']['import_ms']:.1f} ms to import\n")
    for check in targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[check["met"]]
        value = "-" if check["value"] is None else f"{check['value']:.2f}"
        print(f"  {verdict:12} {check['target']}: {value}")
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "quick": args.quick,
        "plan": asdict(plan),
        "machine": _machine(),
        "peer_versions": versions,
        "servers": servers,
        "handlers": handlers,
        "targets": targets,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
