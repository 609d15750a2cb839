"""The module's functions under AWS's rules: names, environments, zips, log levels, tracing.

Through real Terraform core and the stand-in's rules (`test_lambda_rules.py`
shows each rule refusing a hand-written configuration); here the module
passes them, or stops at plan with an error naming the input.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.rules.lambda_functions import RESERVED_ENVIRONMENT_KEYS
from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    apply,
    initialised,
    plan_json,
    resource_changes,
    share_account,
    state_values,
    terraform_ok,
)
from tools.package import build_zip, load_excludes
from tools.standin_workspace import Workspace, choose_source, project_copy
from tools.tfconfig import blocks, load

applies_through_standin = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)

FUNCTIONS = "module.websocket.module.functions"
# A route (HCL) whose handler the module's own package has, so that only the
# rule under test can stop the plan.
ECHO = '{handler = "websocket_handlers.echo.handler"}'
OVERRIDE = "zz_test_override.tf"


def override_module(workspace: Workspace, directory: str, **arguments: str) -> None:
    """Set module "websocket" arguments of `directory` (HCL expressions) in an override file."""
    lines = "\n".join(f"  {name} = {value}" for name, value in arguments.items())
    (workspace.root / directory / OVERRIDE).write_text(f'module "websocket" {{\n{lines}\n}}\n')


def failed(workspace: Workspace, directory: str, command: str, *args: str) -> str:
    """The output, on one line, of a Terraform `command` in `directory` that must fail."""
    code, out, err = workspace.terraform(directory, command, "-input=false", "-no-color", *args)
    assert code != 0, out
    return " ".join(f"{out}\n{err}".split())


################################################################################
# Names
################################################################################


@applies_through_standin
def test_same_name_in_two_regions_of_one_account_applies(
    own_workspace: Workspace, other_workspace: Workspace
) -> None:
    """Two instances with the same `name` in two regions of one account get distinct roles."""
    initialised(own_workspace, CONSUMER)
    apply(own_workspace, CONSUMER)
    initialised(other_workspace, CONSUMER)
    (other_workspace.root / CONSUMER / "zz_region_override.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
    )
    share_account(own_workspace, CONSUMER, other_workspace, CONSUMER)
    apply(other_workspace, CONSUMER)
    roles = [
        values["name"]
        for workspace in (own_workspace, other_workspace)
        for address, values in state_values(workspace, CONSUMER).items()
        if address.endswith("aws_iam_role.this")
    ]
    assert len(roles) == 6
    assert len({role.lower() for role in roles}) == 6
    assert all(len(role) <= 64 and role.startswith("minimal-") for role in roles)


@pytest.mark.parametrize(
    "routes",
    [
        pytest.param(f"{{Default = {ECHO}}}", id="Default-vs-$default"),
        pytest.param(f"{{Chat = {ECHO}, chat = {ECHO}}}", id="Chat-vs-chat"),
    ],
)
def test_route_keys_differing_only_in_case_fail_the_plan(
    root_module: Workspace, routes: str
) -> None:
    """Route keys whose functions' names differ only in case stop the plan, naming `routes`."""
    output = failed(root_module, ".", "plan", "-var=name=svc", f"-var=routes={routes}")
    assert "var.routes" in output
    assert "by more than letter case" in output


################################################################################
# Environment
################################################################################


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        pytest.param(
            ['-var=lambda_environment={A = "x"}'],
            ["var.lambda_environment", "2 or more letters"],
            id="one-letter-key",
        ),
        pytest.param(
            [
                '-var=routes={chat = {handler = "websocket_handlers.echo.handler", '
                'environment = {AWS_REGION = "x"}}}'
            ],
            ["reserved keys", "each route's environment"],
            id="reserved-key",
        ),
    ],
)
def test_environments_lambda_refuses_fail_the_plan(
    root_module: Workspace, variables: list[str], expected: list[str]
) -> None:
    """Keys Lambda refuses and environments over 4 KB stop the plan, naming the input."""
    output = failed(root_module, ".", "plan", "-var=name=svc", *variables)
    for text in expected:
        assert text in output


@applies_through_standin
def test_environment_over_4kb_fails_the_plan_once_its_values_are_known(
    own_workspace: Workspace,
) -> None:
    """An environment over 4 KB stops the plan, naming the inputs, once the module's own values
    (the management endpoint, known after the API exists) are known."""
    initialised(own_workspace, CONSUMER)
    apply(own_workspace, CONSUMER)
    override_module(own_workspace, CONSUMER, lambda_environment=f'{{BIG = "{"x" * 4000}"}}')
    output = failed(own_workspace, CONSUMER, "plan")
    assert "at most 4 KB" in output
    assert "lambda_environment" in output


def test_module_refuses_the_keys_lambda_reserves() -> None:
    """The module's literal list of reserved keys is the stand-in rule's, Lambda's list."""
    variable = blocks(load("modules/lambda-function", "variables.tf"), "variable")
    conditions = [v["condition"] for v in variable["environment_variables"]["validation"]]
    (reserved,) = [c for c in conditions if "setintersection" in c]
    assert set(re.findall(r'"([A-Z_]+)"', reserved)) == RESERVED_ENVIRONMENT_KEYS


################################################################################
# Zip
################################################################################


def zip_names(path: Path) -> list[str]:
    """The entry names of the zip at `path`."""
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_source_dir_dot_zips_no_terraform_or_build_files(own_workspace: Workspace) -> None:
    """With `lambda_source_dir` the working directory, Terraform's own files stay out of the zip."""
    initialised(own_workspace, CONSUMER)
    consumer = own_workspace.root / CONSUMER
    (consumer / ".build").mkdir(exist_ok=True)
    (consumer / ".build" / "stale.zip").write_bytes(b"old")
    (consumer / "old.tfstate").write_text("{}")
    (consumer / "terraform.tfstate.backup").write_text("{}")
    (consumer / "saved.tfplan").write_bytes(b"plan")
    override_module(own_workspace, CONSUMER, lambda_source_dir="path.root")
    plan = plan_json(own_workspace, CONSUMER)
    function = resource_changes(plan)[f'{FUNCTIONS}["$connect"].aws_lambda_function.this']
    names = zip_names(consumer / function["change"]["after"]["filename"])
    assert "main.tf" in names
    assert [n for n in names if n.startswith((".terraform/", ".build/")) or "tfstate" in n] == []
    assert ".terraform.lock.hcl" not in names
    assert "saved.tfplan" not in names


@applies_through_standin
def test_saved_plan_applies_elsewhere_with_build_or_a_prebuilt_zip(
    own_workspace: Workspace, other_workspace: Workspace
) -> None:
    """A saved plan applied in a copy without `.build/` fails on the missing zip; with
    `lambda_package_path` (present in both copies) and `.build/` carried along, it applies."""
    initialised(own_workspace, CONSUMER)
    initialised(other_workspace, CONSUMER)
    here, there = own_workspace.root / CONSUMER, other_workspace.root / CONSUMER
    terraform_ok(own_workspace.terraform(CONSUMER, "plan", "-input=false", "-out=built.tfplan"))
    shutil.copy(here / "built.tfplan", there)
    output = failed(other_workspace, CONSUMER, "apply", "built.tfplan")
    assert "reading ZIP file (./.build/" in output
    assert "no such file or directory" in output

    shutil.rmtree(here / ".build")
    build_zip(REPO_ROOT / "lambda_src", here / "package.zip", load_excludes())
    override_module(own_workspace, CONSUMER, lambda_package_path='"package.zip"')
    terraform_ok(own_workspace.terraform(CONSUMER, "plan", "-input=false", "-out=prebuilt.tfplan"))
    assert not list((here / ".build").glob("*-lambda.zip"))
    with project_copy() as fresh:
        elsewhere = fresh.root / CONSUMER
        initialised(fresh, CONSUMER)
        for carried in ("prebuilt.tfplan", "package.zip"):
            shutil.copy(here / carried, elsewhere)
        shutil.copytree(here / ".build", elsewhere / ".build")
        terraform_ok(fresh.terraform(CONSUMER, "apply", "-input=false", "prebuilt.tfplan"))
        functions = [
            values
            for address, values in state_values(fresh, CONSUMER).items()
            if address.endswith("aws_lambda_function.this")
        ]
    assert {f["filename"] for f in functions} == {"package.zip"}


################################################################################
# Logging
################################################################################


def logging_configs(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The planned `logging_config` of every function in `plan`."""
    return [
        change["change"]["after"]["logging_config"][0]
        for address, change in resource_changes(plan).items()
        if address.endswith("aws_lambda_function.this")
    ]


def test_log_levels_reach_every_functions_json_logging_config(
    own_workspace: Workspace, consumer_plan: dict[str, Any]
) -> None:
    """The log-level inputs set each function's JSON logging_config; unset, Lambda's defaults."""
    assert {
        (c["application_log_level"], c["system_log_level"]) for c in logging_configs(consumer_plan)
    } == {(None, None)}
    initialised(own_workspace, CONSUMER)
    override_module(
        own_workspace,
        CONSUMER,
        lambda_application_log_level='"DEBUG"',
        lambda_system_log_level='"WARN"',
    )
    configs = logging_configs(plan_json(own_workspace, CONSUMER))
    assert len(configs) == 3
    assert {
        (c["log_format"], c["application_log_level"], c["system_log_level"]) for c in configs
    } == {("JSON", "DEBUG", "WARN")}


def test_complete_example_sets_log_levels_not_a_log_level_variable(
    complete_plan: dict[str, Any],
) -> None:
    """examples/complete filters logs through Lambda's levels; no LOG_LEVEL variable is set."""
    configs = logging_configs(complete_plan)
    assert {(c["application_log_level"], c["system_log_level"]) for c in configs} == {
        ("INFO", "WARN")
    }
    for address, change in resource_changes(complete_plan).items():
        if address.endswith("aws_lambda_function.this"):
            assert "LOG_LEVEL" not in change["change"]["after"]["environment"][0]["variables"]


################################################################################
# Tracing and concurrency
################################################################################


@applies_through_standin
def test_tracing_mode_back_to_null_switches_tracing_off(own_workspace: Workspace) -> None:
    """After Active, `lambda_tracing_mode = null` leaves functions PassThrough, no X-Ray rights."""
    initialised(own_workspace, CONSUMER)
    override_module(own_workspace, CONSUMER, lambda_tracing_mode='"Active"')
    apply(own_workspace, CONSUMER)
    (own_workspace.root / CONSUMER / OVERRIDE).unlink()
    apply(own_workspace, CONSUMER)
    state = state_values(own_workspace, CONSUMER)
    functions = [v for a, v in state.items() if a.endswith("aws_lambda_function.this")]
    assert {f["tracing_config"][0]["mode"] for f in functions} == {"PassThrough"}
    policies = [v["policy"] for a, v in state.items() if a.endswith("aws_iam_role_policy.this")]
    assert len(policies) == 3
    assert not [p for p in policies if "xray:" in p]


@applies_through_standin
def test_complete_example_applies_in_a_new_account(own_workspace: Workspace) -> None:
    """examples/complete applies where Lambda's concurrency quota is a new account's 10."""
    initialised(own_workspace, "examples/complete")
    output = apply(own_workspace, "examples/complete")
    assert "Apply complete!" in output
