"""The contract between the Terraform config and the Python code it deploys."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.terraform.tfconfig import REPO_ROOT, blocks, default_routes, load
from tools.package import build_zip, load_excludes

# Imports every handler named on the command line, as Lambda would on a cold
# start, and fails naming the first one that is missing or not callable.
_RESOLVE_HANDLERS = """
import importlib, sys
for handler in sys.argv[1:]:
    module_name, _, function_name = handler.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        sys.exit(f"{handler} is not a callable")
"""

# The environment the module sets on every function, plus the region Lambda sets.
_LAMBDA_ENVIRONMENT = {
    "CONNECTIONS_TABLE": "websocket-test-connections",
    "CONNECTION_TTL_SECONDS": "7200",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def _example_routes(example: str) -> dict:
    return blocks(load(example), "module")["websocket"].get("routes", {})


def _stacks() -> list[object]:
    """Each deployable stack: its name, its source dir and every handler it routes to."""
    defaults = [route["handler"] for route in default_routes().values()]
    custom = REPO_ROOT / "examples" / "custom-handlers"
    stacks = {
        "module defaults": (REPO_ROOT / "lambda_src", {}),
        "examples/complete": (REPO_ROOT / "lambda_src", _example_routes("examples/complete")),
        "examples/custom-handlers": (custom / "src", _example_routes("examples/custom-handlers")),
    }
    return [
        pytest.param(
            name, source, defaults + [route["handler"] for route in routes.values()], id=name
        )
        for name, (source, routes) in stacks.items()
    ]


def test_table_keys_match_the_handlers_names() -> None:
    """The table's hash key and TTL attribute are the names the store reads and writes."""
    connections = pytest.importorskip("websocket_handlers.connections")
    table = blocks(load("."), "module")["connections_table"]
    assert table["hash_key"] == connections.HASH_KEY
    assert table["ttl_attribute_name"] == connections.TTL_ATTRIBUTE
    defaults = blocks(load("modules/connections-table", "variables.tf"), "variable")
    assert defaults["hash_key"]["default"] == connections.HASH_KEY
    assert defaults["ttl_attribute_name"]["default"] == connections.TTL_ATTRIBUTE


@pytest.mark.parametrize(("stack", "source_dir", "handlers"), _stacks())
def test_every_routed_handler_is_callable_from_the_zip(
    stack: str, source_dir: Path, handlers: list[str], tmp_path: Path
) -> None:
    """Each handler a stack routes to imports from its zip, as on a Lambda cold start."""
    if not source_dir.is_dir():
        pytest.skip(f"{stack}: {source_dir} does not exist yet")
    unpacked = tmp_path / "task"
    build_zip(source_dir, tmp_path / "code.zip", load_excludes())
    with zipfile.ZipFile(tmp_path / "code.zip") as code:
        code.extractall(unpacked)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", _RESOLVE_HANDLERS, *handlers],
        cwd=unpacked,
        env={**environment, **_LAMBDA_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, f"{stack}: {done.stderr}"
