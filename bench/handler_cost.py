"""What the handlers cost on AWS, measured by proxy on this machine.

- Cold import of each handler module with `python -X importtime`: the total, the part
  spent importing boto3/botocore (which Lambda's runtime also pays), and the rest, ours.
- Warm CPU time per invocation (`bench.warm_invoke`), with DynamoDB and the
  `@connections` API answered by moto's full server in this process (the gateway's
  embedded DynamoDB serves DynamoDB alone).
- The size of the zip the module deploys, built as `python -m tools.package` builds it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from bench.stats import median
from local_gateway.contract import (
    DEFAULT_TTL_SECONDS,
    ENV_CONNECTION_TTL_SECONDS,
    ENV_CONNECTIONS_TABLE,
    ENV_MANAGEMENT_API_ENDPOINT,
)
from local_gateway.dynamodb import create_table, local_client
from local_gateway.paths import REPO_ROOT
from tools.package import DEFAULT_OUTPUT, DEFAULT_SOURCE_DIR, build_zip, load_excludes

__all__ = ["boto_share_us", "handler_cost", "parse_importtime"]

_ROUTES_FILE = REPO_ROOT / "default_routes.json"
_BOTO_PACKAGES = frozenset({"boto3", "botocore"})
_MARK = "bench: handler import starts"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)")
_TABLE = "bench-connections"
_REGION = "us-east-1"


def parse_importtime(stderr: str) -> list[tuple[int, int, str]]:
    """`(depth, cumulative µs, module)` for each import after the mark line, in order.

    `-X importtime` prints a module after everything it imported, indented two
    spaces per level of nesting.
    """
    _, _, after_mark = stderr.partition(_MARK)
    return [
        (len(match[3]) // 2, int(match[2]), match[4])
        for match in map(_LINE.match, after_mark.splitlines())
        if match
    ]


def _is_boto(module: str) -> bool:
    return module.partition(".")[0] in _BOTO_PACKAGES


def boto_share_us(imports: Iterable[tuple[int, int, str]]) -> int:
    """Microseconds spent in the outermost boto3/botocore imports (their own imports included)."""
    share, ancestors = 0, []  # ancestors: (depth, is boto) of the lines enclosing this one
    for depth, cumulative, module in reversed(list(imports)):
        while ancestors and ancestors[-1][0] >= depth:
            ancestors.pop()
        inside_boto = any(boto for _, boto in ancestors)
        if _is_boto(module) and not inside_boto:
            share += cumulative
        ancestors.append((depth, _is_boto(module) or inside_boto))
    return share


def _handler_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the module sets on every function, with the handlers' package importable."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "PYTHONPATH": os.pathsep.join([str(DEFAULT_SOURCE_DIR), str(REPO_ROOT)]),
        ENV_CONNECTIONS_TABLE: _TABLE,
        ENV_CONNECTION_TTL_SECONDS: str(DEFAULT_TTL_SECONDS),
        "AWS_REGION": _REGION,
        "AWS_DEFAULT_REGION": _REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        **(extra or {}),
    }


def _import_ms(module: str, *, preload: str = "sys") -> tuple[float, float]:
    """One cold import in a fresh interpreter: (total ms, boto3's share in ms).

    Args:
        module: The module to import and time.
        preload: Imported before the clock starts; `boto3` leaves the cost beyond it.
    """
    code = f"import {preload}, sys; print({_MARK!r}, file=sys.stderr, flush=True); import {module}"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=_handler_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    imports = parse_importtime(done.stderr)
    total = sum(cumulative for depth, cumulative, _ in imports if depth == 0)
    return total / 1000, boto_share_us(imports) / 1000


def _import_figures(module: str, repetitions: int) -> dict[str, float]:
    """Median cold import of `module` over fresh interpreters, alone and after boto3.

    The handlers import boto3 on first use, not at import; every cold start pays for it
    all the same, and with it for the standard modules boto3 and the handlers share.
    What the handler adds once boto3 is loaded is its own cost beyond boto3's.
    """
    alone = [_import_ms(module) for _ in range(repetitions)]
    total, boto = median([run[0] for run in alone]), median([run[1] for run in alone])
    beyond = median([_import_ms(module, preload="boto3")[0] for _ in range(repetitions)])
    return {
        "import_ms": total,
        "boto_share_ms": boto,
        "own_ms": total - boto,
        "beyond_boto3_ms": beyond,
    }


def _warm_cpu(handler: str, route_key: str, invocations: int, endpoint: str) -> dict[str, float]:
    """Per-invocation CPU and wall time of a warm handler, from `bench.warm_invoke`."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "figures.json"
        command = [sys.executable, "-m", "bench.warm_invoke", handler, route_key]
        subprocess.run(
            [*command, str(invocations), str(output)],
            env=_handler_environment(
                {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, ENV_MANAGEMENT_API_ENDPOINT: endpoint}
            ),
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,  # the handlers' log lines: written, not kept
            check=True,
        )
        return json.loads(output.read_text())


@contextlib.contextmanager
def _moto_endpoint() -> Iterator[str]:
    """moto's server, answering DynamoDB and `@connections` on one endpoint."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        create_table(local_client(endpoint, region=_REGION), table_name=_TABLE)
        yield endpoint
    finally:
        server.stop()


def handler_cost(*, invocations: int, import_repetitions: int) -> dict[str, Any]:
    """Import time and warm CPU of every default route's handler, and the zip's size."""
    routes = json.loads(_ROUTES_FILE.read_text())
    figures: dict[str, Any] = {
        "boto3_alone": _import_figures("boto3", import_repetitions),
        "handlers": {},
    }
    with _moto_endpoint() as endpoint:
        for route_key, route in routes.items():
            handler = route["handler"]
            figures["handlers"][route_key] = {
                "handler": handler,
                **_import_figures(handler.rpartition(".")[0], import_repetitions),
                **_warm_cpu(handler, route_key, invocations, endpoint),
            }
    figures["zip_bytes"] = build_zip(DEFAULT_SOURCE_DIR, DEFAULT_OUTPUT, load_excludes())
    return figures
