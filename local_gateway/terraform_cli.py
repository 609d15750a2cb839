"""The `--terraform DIR` options of `python -m local_gateway` (and `websocket-local`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from local_gateway.terraform_source import PlanRequest

__all__ = ["add_terraform_arguments", "plan_request"]


def add_terraform_arguments(parser: argparse.ArgumentParser) -> None:
    """Options that serve a Terraform stack: the directory, its variables, the schemas."""
    group = parser.add_argument_group(
        "Terraform",
        "Serve what a Terraform stack describes: its WebSocket API, functions, tables and "
        "kin, read from an offline plan (no network, no AWS credentials; the stack's "
        "backend, state and lock file are left alone).",
    )
    group.add_argument(
        "--terraform",
        type=Path,
        metavar="DIR",
        help="the stack's root module folder (e.g. `.`)",
    )
    group.add_argument(
        "--var-file",
        type=Path,
        action="append",
        default=[],
        dest="var_files",
        help="a -var-file for the plan; repeat for several",
    )
    group.add_argument(
        "--var",
        action="append",
        default=[],
        dest="variables",
        metavar="NAME=VALUE",
        help="a -var for the plan; repeat for several",
    )
    group.add_argument(
        "--provider-schemas-dir",
        type=Path,
        help="folder of provider schema files (<type>-<version>.json, from "
        "`terraform providers schema -json`), for providers the stack has not installed "
        "(default: $PROVIDER_SCHEMAS_DIR)",
    )
    group.add_argument(
        "--api", dest="api_name", help="the WebSocket API to serve when the stack has several"
    )
    group.add_argument(
        "--replan", action="store_true", help="plan again even when the cached plan is current"
    )


def plan_request(args: argparse.Namespace) -> PlanRequest | None:
    """The plan to make for parsed arguments; None without `--terraform`."""
    if args.terraform is None:
        return None
    return PlanRequest(
        directory=args.terraform,
        var_files=tuple(args.var_files),
        variables=tuple(args.variables),
        schemas_dir=args.provider_schemas_dir,
        refresh=args.replan,
    )
