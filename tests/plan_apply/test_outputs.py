"""What a consumer builds on: every output, with the values AWS gives, after an apply.

A consumer applies the module through the stand-in, whose computed values have
the forms AWS documents (`local_gateway/standin/resources.py`), and reads
`terraform output -json`, as a stack built on the module would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plan_apply.helpers import apply, initialised, plan_json, terraform_ok
from tools.standin_workspace import Workspace, project_copy

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

OUTPUTS_CONSUMER = "tests/plan_apply/fixtures/outputs_consumer"
REGION = "eu-west-1"
ACCOUNT = r"\d{12}"
ROUTES = {"$connect", "$disconnect", "$default"}


@pytest.fixture(scope="module")
def outputs() -> Iterator[dict[str, Any]]:
    """The module's outputs after applying it with its defaults (access logs off)."""
    with project_copy() as workspace:
        initialised(workspace, OUTPUTS_CONSUMER)
        apply(workspace, OUTPUTS_CONSUMER)
        shown = terraform_ok(workspace.terraform(OUTPUTS_CONSUMER, "output", "-json"))
        yield json.loads(shown)["websocket"]["value"]


def _matches(pattern: str, value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(pattern, value) is not None


def test_api_and_stage_outputs_have_the_forms_api_gateway_gives(outputs: dict[str, Any]) -> None:
    """The wss:// endpoint, the stage's ARN, execution ARN and @connections URL, of one API."""
    api = re.escape(outputs["api_id"])
    host = f"{outputs['api_id']}.execute-api.{REGION}.amazonaws.com"
    stage = outputs["stage_name"]
    assert outputs["api_endpoint"] == f"wss://{host}"
    assert outputs["stage_invoke_url"] == f"wss://{host}/{stage}"
    assert outputs["stage_connections_endpoint"] == f"https://{host}/{stage}"
    assert _matches(
        rf"arn:aws:apigateway:{REGION}::/apis/{api}/stages/{stage}", outputs["stage_arn"]
    )
    assert _matches(rf"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}", outputs["api_execution_arn"])
    assert outputs["stage_execution_arn"] == f"{outputs['api_execution_arn']}/{stage}"
    assert set(outputs["route_ids"]) == ROUTES
    assert all(isinstance(route_id, str) and route_id for route_id in outputs["route_ids"].values())


def test_function_role_and_log_outputs_name_each_route(outputs: dict[str, Any]) -> None:
    """Each route's function name, ARN and invoke ARN, role name and ARN, log group name
    and ARN, keyed by route key and each naming the same function.
    """
    by_route = [
        "function_names",
        "function_arns",
        "function_invoke_arns",
        "function_role_names",
        "function_role_arns",
        "function_log_group_names",
        "function_log_group_arns",
    ]
    for name in by_route:
        assert set(outputs[name]) == ROUTES, name
    for key in ROUTES:
        function = outputs["function_names"][key]
        arn = outputs["function_arns"][key]
        role = outputs["function_role_names"][key]
        log_group = outputs["function_log_group_names"][key]
        assert _matches(rf"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{re.escape(function)}", arn)
        assert outputs["function_invoke_arns"][key] == (
            f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
        )
        assert _matches(
            rf"arn:aws:iam::{ACCOUNT}:role/{re.escape(role)}", outputs["function_role_arns"][key]
        )
        assert log_group == f"/aws/lambda/{function}"
        assert _matches(
            rf"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{re.escape(log_group)}",
            outputs["function_log_group_arns"][key],
        )


def test_access_log_outputs_are_null_without_access_logs(outputs: dict[str, Any]) -> None:
    """With access logs off (the default) there is no access log group to name."""
    assert outputs["access_log_group_name"] is None
    assert outputs["access_log_group_arn"] is None


def test_access_log_outputs_name_the_group_with_access_logs(shared_workspace: Workspace) -> None:
    """With access logs on, the outputs name the stage's group; its ARN comes at apply."""
    initialised(shared_workspace, OUTPUTS_CONSUMER)
    plan = plan_json(shared_workspace, OUTPUTS_CONSUMER, "-var", "access_log_enabled=true")
    change = plan["output_changes"]["websocket"]
    assert change["after"]["access_log_group_name"] == "/aws/apigateway/outputs/dev"
    assert change["after_unknown"]["access_log_group_arn"] is True
