"""The contract between the Terraform config and the Python code it deploys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lambda_runtime import import_handlers
from tests.terraform.tfconfig import REPO_ROOT, blocks, default_routes, load
from tools.package import HANDLERS_PACKAGE_DIR, build_layer_zip, build_zip, load_excludes


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
def test_every_routed_handler_is_callable_from_the_zips(
    stack: str, source_dir: Path, handlers: list[str], tmp_path: Path
) -> None:
    """Each handler a stack routes to imports from its code zip and the handlers layer,
    as on a Lambda cold start."""
    if not source_dir.is_dir():
        pytest.skip(f"{stack}: {source_dir} does not exist yet")
    code, layer = tmp_path / "code.zip", tmp_path / "layer.zip"
    build_zip(source_dir, code, load_excludes())
    build_layer_zip(HANDLERS_PACKAGE_DIR, layer, load_excludes())
    done = import_handlers(handlers, function_zip=code, layer_zips=[layer], workdir=tmp_path)
    assert done.returncode == 0, f"{stack}: {done.stderr}"
