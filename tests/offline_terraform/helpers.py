"""Running Terraform in copies of the project and reading its plans, for the offline tests.

Providers are the real ones when `TF_PLUGIN_CACHE_DIR` holds them or
`ALLOW_PROVIDER_DOWNLOAD=1`, else the stand-in; `TF_TEST_AWS_VERSION` picks the
AWS provider version (default 6.47.0).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tools.standin_provider.workspace import Workspace, choose_source

AWS_VERSION = os.environ.get("TF_TEST_AWS_VERSION", "6.47.0")
CONSUMER = "tests/offline_terraform/fixtures/consumer"


def terraform_ok(result: tuple[int, str, str]) -> str:
    """Fail the test with Terraform's own output unless the command succeeded."""
    code, out, err = result
    assert code == 0, f"terraform exited {code}:\n{out}\n{err}"
    return out


def initialised(workspace: Workspace, directory: str) -> Workspace:
    """Initialise `directory` of `workspace` against the chosen providers."""
    terraform_ok(workspace.init(directory, AWS_VERSION, choose_source(AWS_VERSION)))
    return workspace


def plan_json(workspace: Workspace, directory: str, *args: str) -> dict[str, Any]:
    """Plan `directory` into a file and return `terraform show -json` of it."""
    plan_file = workspace.root / directory / "test.tfplan"
    terraform_ok(
        workspace.terraform(
            directory, "plan", "-input=false", "-no-color", f"-out={plan_file}", *args
        )
    )
    return json.loads(terraform_ok(workspace.terraform(directory, "show", "-json", str(plan_file))))


def resource_changes(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The planned resource changes by address (data sources left out)."""
    return {
        change["address"]: change
        for change in plan["resource_changes"]
        if change["mode"] == "managed"
    }


def source_path(relative: str) -> Path:
    """A path inside the repository (for reading fixtures next to the tests)."""
    return Path(__file__).parent / relative


def state_values(workspace: Workspace, directory: str) -> dict[str, dict[str, Any]]:
    """The values of every managed resource in the state of `directory`, by address."""
    state = json.loads(terraform_ok(workspace.terraform(directory, "show", "-json")))
    found: dict[str, dict[str, Any]] = {}
    modules = [state["values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            if resource["mode"] == "managed":
                found[resource["address"]] = resource["values"]
    return found
