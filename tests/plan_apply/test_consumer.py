"""A user's smallest configuration, planned and applied through real Terraform core.

The apply runs as a pytest-terraform fixture (`@terraform`), through the stand-in.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_terraform import terraform
from pytest_terraform.tf import TerraformTestApi

from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    applied_terraform,
    applied_values,
    initialised,
    plan_json,
    resource_changes,
    routes_var,
)
from tools.standin_workspace import Workspace, choose_source

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

# The consumer's code is the module's lambda_src, so the route runs a handler found there.
BROADCAST_ROUTE = {
    "broadcast": {"handler": "websocket_handlers.echo.handler", "manage_connections": True}
}


def lambda_hashes(plan: dict[str, Any]) -> set[str]:
    """The distinct source_code_hash values of the functions in `plan`."""
    return {
        change["change"]["after"]["source_code_hash"]
        for address, change in resource_changes(plan).items()
        if address.endswith("aws_lambda_function.this")
    }


def test_defaults_plan_three_routes(consumer_plan: dict[str, Any]) -> None:
    """With only a name, the module plans the three default routes and their functions."""
    changes = resource_changes(consumer_plan)
    functions = {a.split('"')[1] for a in changes if ".functions[" in a}
    assert functions == {"$connect", "$disconnect", "$default"}
    # API, stage (no access log group: access logs are opt-in), table and the
    # handlers layer; then 7 per route.
    assert len(changes) == 4 + 7 * 3
    assert not [a for a in changes if "route_response" in a]


def test_custom_route_adds_exactly_its_resources(
    consumer: Workspace, consumer_plan: dict[str, Any]
) -> None:
    """A route in `routes` adds one route, integration, permission and function stack, no more."""
    base = set(resource_changes(consumer_plan))
    extended = set(resource_changes(plan_json(consumer, CONSUMER, routes_var(BROADCAST_ROUTE))))
    api = "module.websocket.module.api"
    function = 'module.websocket.module.functions["broadcast"]'
    assert extended - base == {
        f'{api}.aws_apigatewayv2_integration.this["broadcast"]',
        f'{api}.aws_apigatewayv2_route.this["broadcast"]',
        f'{api}.aws_lambda_permission.this["broadcast"]',
        f"{function}.aws_lambda_function.this",
        f"{function}.aws_iam_role.this",
        f"{function}.aws_iam_role_policy.this",
        f"{function}.aws_cloudwatch_log_group.this",
    }
    assert base <= extended


STAGE = "module.websocket.module.api.aws_apigatewayv2_stage.this"
# broadcast sets only a burst, $default (replaced whole) only a rate: the stage's
# 500 burst and 1000 per second fill the other.
THROTTLED_ROUTES = {
    "broadcast": {**BROADCAST_ROUTE["broadcast"], "throttling_burst_limit": 50},
    "$default": {
        "handler": "websocket_handlers.echo.handler",
        "dynamodb_actions": ["dynamodb:DeleteItem"],
        "manage_connections": True,
        "throttling_rate_limit": 20,
    },
}


def route_throttling(plan: dict[str, Any]) -> dict[str, tuple[int, float]]:
    """The stage's planned route_settings as {route key: (burst limit, rate limit)}."""
    after = resource_changes(plan)[STAGE]["change"]["after"]
    return {
        setting["route_key"]: (setting["throttling_burst_limit"], setting["throttling_rate_limit"])
        for setting in after["route_settings"]
    }


def test_route_throttling_sets_route_settings_for_those_routes_only(
    consumer: Workspace, consumer_plan: dict[str, Any]
) -> None:
    """A route with its own throttling gets a route_settings block on the stage, the other
    limit the stage's; routes that set none, and the defaults, get none."""
    assert route_throttling(consumer_plan) == {}
    throttled = plan_json(consumer, CONSUMER, routes_var(THROTTLED_ROUTES))
    assert route_throttling(throttled) == {"broadcast": (50, 1000), "$default": (500, 20)}
    plain = plan_json(consumer, CONSUMER, routes_var(BROADCAST_ROUTE))
    assert route_throttling(plain) == {}


# Each plan gives every variable at most one bad value; Terraform checks all
# variables before it stops, so one plan reports an error for each of them.
BAD_INPUT_PLANS = [
    {
        "name": "9starts-with-a-digit",
        "connection_ttl_seconds": "0",
        "log_retention_in_days": "10",
        "lambda_runtime": "python3.9",
        "lambda_architecture": "arm",
    },
    {
        "name": "",
        "connection_ttl_seconds": "-60",
        "log_retention_in_days": "-1",
        "lambda_runtime": "nodejs20.x",
        "throttling_burst_limit": "0",
        "stage_name": "bad stage",
    },
    {
        "name": "a" * 33,
        "routes": '{connect = {handler = "chat.connect.handler"}}',
        "lambda_memory_size": "64",
    },
    {"name": "bad name!", "routes": '{"$connect" = {handler = "not-a-python-path"}}'},
]
BAD_INPUTS = [
    pytest.param(index, variable, id=f"{variable}={value!r}")
    for index, bad_vars in enumerate(BAD_INPUT_PLANS)
    for variable, value in bad_vars.items()
]

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def _notify(**settings: Any) -> str:
    """`routes` (JSON, valid HCL) with one route `notify` carrying `settings`."""
    return json.dumps({"notify": {"handler": "websocket_handlers.echo.handler", **settings}})


def _statement(**fields: Any) -> dict[str, Any]:
    return {"actions": ["sns:Publish"], "resources": [TOPIC_ARN], **fields}


# One bad per-route setting per plan, and the words its error must hold.
BAD_ROUTE_SETTINGS = {
    "burst-0": (_notify(throttling_burst_limit=0), "throttling_burst_limit in routes"),
    "burst-fraction": (_notify(throttling_burst_limit=2.5), "throttling_burst_limit in routes"),
    "rate-0": (_notify(throttling_rate_limit=0), "throttling_rate_limit in routes"),
    "action-*": (_notify(policy_statements=[_statement(actions=["*"])]), "no wildcard"),
    "action-sns:*": (_notify(policy_statements=[_statement(actions=["sns:*"])]), "no wildcard"),
    "no-actions": (_notify(policy_statements=[_statement(actions=[])]), "at least one action"),
    "resource-*": (_notify(policy_statements=[_statement(resources=["*"])]), "an ARN"),
    "no-resources": (_notify(policy_statements=[_statement(resources=[])]), "one resource"),
    "sid-bad": (_notify(policy_statements=[_statement(sid="not-alnum")]), "alphanumeric"),
    "sid-module": (_notify(policy_statements=[_statement(sid="WriteOwnLogs")]), "module's own"),
    "too-many": (_notify(policy_statements=[_statement()] * 11), "at most 10 policy_statements"),
}


@pytest.mark.parametrize(("routes", "problem"), BAD_ROUTE_SETTINGS.values(), ids=BAD_ROUTE_SETTINGS)
def test_bad_route_setting_fails_plan_naming_routes_and_the_problem(
    root_module: Workspace, routes: str, problem: str
) -> None:
    """A per-route throttling limit or extra policy statement the module does not allow
    stops the plan with an error on `routes` that says what is wrong."""
    code, _out, err = root_module.terraform(
        ".", "plan", "-input=false", "-no-color", "-var=name=chat", f"-var=routes={routes}"
    )
    assert code != 0
    blocks = [" ".join(block.split()) for block in err.split("Error: ")[1:]]
    assert blocks, err
    assert all("var.routes" in block for block in blocks), blocks
    assert any(problem in block for block in blocks), blocks


@pytest.fixture(scope="module")
def bad_input_errors(root_module: Workspace) -> dict[int, list[str]]:
    """The error blocks of one plan of the module per set of bad values."""
    errors = {}
    for index, bad_vars in enumerate(BAD_INPUT_PLANS):
        args = [f"-var={name}={value}" for name, value in bad_vars.items()]
        code, _out, err = root_module.terraform(".", "plan", "-input=false", "-no-color", *args)
        assert code != 0
        errors[index] = [" ".join(block.split()) for block in err.split("Error: ")[1:]]
    return errors


@pytest.mark.parametrize(("plan_index", "variable"), BAD_INPUTS)
def test_bad_input_fails_plan_naming_the_variable(
    bad_input_errors: dict[int, list[str]], plan_index: int, variable: str
) -> None:
    """A value the module does not allow stops the plan with an error naming the variable."""
    blocks = bad_input_errors[plan_index]
    assert any(
        block.startswith("Invalid value for variable") and f"var.{variable}" in block
        for block in blocks
    ), blocks


def test_changing_a_handler_changes_source_code_hash(
    own_workspace: Workspace, consumer_plan: dict[str, Any]
) -> None:
    """Editing a handler file changes every function's source_code_hash in the next plan.

    The plan before the edit is the shared consumer's, from another copy of the
    project: the zip is the same wherever it is built, so only the edit differs.
    """
    initialised(own_workspace, CONSUMER)
    handler = own_workspace.root / "lambda_src" / "websocket_handlers" / "echo.py"
    handler.write_text(handler.read_text() + "\n# changed\n")
    before = lambda_hashes(consumer_plan)
    after = lambda_hashes(plan_json(own_workspace, CONSUMER))
    assert len(before) == len(after) == 1
    assert before != after


@pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)
# No destroy afterwards: the stand-in made nothing and the state is a temporary file;
# test_standin_lifecycle checks destroy.
@terraform("consumer", name="consumer_applied", teardown=terraform.TEARDOWN_OFF)
def test_apply_wires_routes_to_functions_then_plans_nothing(
    consumer_applied: TerraformTestApi,
) -> None:
    """After an apply, each route targets its integration and function, and a new plan is empty."""
    state = applied_values(consumer_applied)
    api = "module.websocket.module.api"
    for key in ("$connect", "$disconnect", "$default"):
        route = state[f'{api}.aws_apigatewayv2_route.this["{key}"]']
        integration = state[f'{api}.aws_apigatewayv2_integration.this["{key}"]']
        function = state[f'module.websocket.module.functions["{key}"].aws_lambda_function.this']
        assert route["target"] == f"integrations/{integration['id']}"
        assert integration["integration_uri"] == function["invoke_arn"]
        assert function["function_name"] == f"minimal-{key.lstrip('$')}"
    code, out, err = applied_terraform(
        consumer_applied, "plan", "-input=false", "-no-color", "-detailed-exitcode"
    )
    assert code == 0, out + err
