"""The contract between the Terraform config and the Python code it deploys."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from websocket_handlers import contract
from websocket_handlers.contract import CONTRACT

from local_gateway.paths import REPO_ROOT
from tests.lambda_runtime import import_handlers
from tools.package import (
    HANDLERS_PACKAGE_DIR,
    build_layer_zip,
    build_zip,
    layer_files,
    load_excludes,
)
from tools.terraform import run
from tools.tfconfig import blocks, default_routes, load


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


def _root_defaults_per_terraform(names: list[str], workdir: Path) -> dict[str, Any]:
    """The root module's defaults of `names`, as Terraform evaluates `variables.tf`."""
    shutil.copy(REPO_ROOT / "variables.tf", workdir / "variables.tf")
    values = ", ".join(f"{name} = var.{name}" for name in names)
    (workdir / "outputs.tf").write_text(f'output "defaults" {{ value = {{ {values} }} }}\n')
    for argv in (["init", "-backend=false"], ["apply", "-auto-approve", "-var=name=contract"]):
        code, _, err = run([f"-chdir={workdir}", *argv, "-input=false"])
        assert code == 0, err
    code, out, err = run([f"-chdir={workdir}", "output", "-json"])
    assert code == 0, err
    return json.loads(out)["defaults"]["value"]


def _reserved_environment_names(variable: dict[str, Any]) -> list[str]:
    """The names a variable's environment-key validation refuses, as its condition lists them."""
    (validation,) = [v for v in variable["validation"] if "environment keys" in v["error_message"]]
    (names,) = re.findall(r"!contains\(\[([^\]]*)\], key\)", validation["condition"])
    assert all(name in validation["error_message"] for name in json.loads(f"[{names}]"))
    return json.loads(f"[{names}]")


def test_terraform_literals_equal_the_contract(tmp_path: Path) -> None:
    """Where Terraform needs a literal (a variable default, a validation, a description),
    it says what contract.json says: one test for every such copy."""
    defaults = CONTRACT["module_defaults"]
    quotas = CONTRACT["api_gateway_quotas"]
    table = CONTRACT["connections_table"]

    # The root module's defaults, which the local gateway serves with.
    assert _root_defaults_per_terraform(list(defaults), tmp_path) == defaults

    # The environment names the module sets, which no user variable may set.
    variables = blocks(load(".", "variables.tf"), "variable")
    module_names = sorted(CONTRACT["environment"].values())
    assert sorted(_reserved_environment_names(variables["lambda_environment"])) == module_names
    assert sorted(_reserved_environment_names(variables["routes"])) == module_names
    assert all(
        f"`{name}`" in variables["lambda_environment"]["description"] for name in module_names
    )

    # The table submodule's own defaults, for a caller that uses it alone.
    submodule = blocks(load("modules/connections-table", "variables.tf"), "variable")
    assert submodule["hash_key"]["default"] == table["hash_key"]
    assert f"`{table['hash_key']}`" in submodule["hash_key"]["description"]
    assert submodule["ttl_attribute_name"]["default"] == table["ttl_attribute"]
    assert f"`{table['ttl_attribute']}`" in submodule["ttl_attribute_name"]["description"]

    # API Gateway's quotas, where descriptions quote them: a record lives as long as a
    # connection may, and a function's default time ends before API Gateway stops waiting.
    ttl = variables["connection_ttl_seconds"]
    assert defaults["connection_ttl_seconds"] == quotas["connection_duration_seconds"]
    assert "API Gateway's maximum connection duration" in ttl["description"]
    timeout = variables["lambda_timeout"]
    assert (
        f"API Gateway stops waiting after {quotas['integration_timeout_seconds']})"
        in (timeout["description"])
    )
    assert defaults["lambda_timeout"] < quotas["integration_timeout_seconds"]


def test_module_reads_the_contract_the_handlers_read() -> None:
    """main.tf takes the table's key names and the functions' environment names from the
    handlers' own contract.json, the file their package ships and reads."""
    handlers_contract = Path(contract.__file__).with_name("contract.json")
    assert handlers_contract == HANDLERS_PACKAGE_DIR / "contract.json"
    assert "contract.json" in layer_files(HANDLERS_PACKAGE_DIR, load_excludes())
    local = blocks(load("."), "locals")
    assert local["handlers_package_dir"] == "${path.module}/lambda_src/${local.handlers_package}"
    assert local["handlers_package"] == HANDLERS_PACKAGE_DIR.name
    assert local["contract"] == '${jsondecode(file("${local.handlers_package_dir}/contract.json"))}'
    table = blocks(load("."), "module")["connections_table"]
    assert table["hash_key"] == "${local.contract.connections_table.hash_key}"
    assert table["ttl_attribute_name"] == "${local.contract.connections_table.ttl_attribute}"
    environment = blocks(load("."), "module")["functions"]["environment_variables"]
    for setting in CONTRACT["environment"]:
        assert f"(local.contract.environment.{setting}) = " in environment


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
