"""The functions reach their own API's `@connections` endpoint in every partition.

The handlers once built `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`,
wrong in China, where endpoints end in `amazonaws.com.cn`. The module now hands
them the endpoint derived from the API's own `api_endpoint`, which is only known
once the API exists: so the consumer is applied through the stand-in (whose APIs
get AWS's endpoint shape in the region's partition) in cn-north-1, and the
environment of every function in the account is compared with the API it serves.
Users may not set that variable themselves.
"""

from __future__ import annotations

import pytest

from tests.plan_apply.helpers import CONSUMER, account, apply, initialised
from tools.standin_workspace import Workspace
from tools.tfconfig import default_routes

REGION = "cn-north-1"
STAGE = "dev"


def test_every_function_gets_the_management_endpoint_of_its_api_in_china(
    own_workspace: Workspace,
) -> None:
    """MANAGEMENT_API_ENDPOINT is the API's endpoint with https and the stage, in .com.cn."""
    apply(initialised(own_workspace, CONSUMER), CONSUMER, f"-var=region={REGION}")
    deployed = account(own_workspace, CONSUMER)

    (api,) = deployed.of_type("aws_apigatewayv2_api", REGION).values()
    api_endpoint = api["state"]["api_endpoint"]
    assert api_endpoint == f"wss://{api['state']['id']}.execute-api.{REGION}.amazonaws.com.cn"
    (stage,) = deployed.of_type("aws_apigatewayv2_stage", REGION).values()
    assert stage["state"]["name"] == STAGE
    expected = f"https://{api_endpoint.removeprefix('wss://')}/{STAGE}"

    functions = deployed.of_type("aws_lambda_function", REGION).values()
    endpoints = {
        function["state"]["function_name"]: function["state"]["environment"][0]["variables"][
            "MANAGEMENT_API_ENDPOINT"
        ]
        for function in functions
    }
    assert len(endpoints) == len(default_routes())
    assert set(endpoints.values()) == {expected}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("lambda_environment", '{MANAGEMENT_API_ENDPOINT = "https://example.com/dev"}'),
        (
            "routes",
            '{chat = {handler = "websocket_handlers.echo.handler", '
            'environment = {MANAGEMENT_API_ENDPOINT = "x"}}}',
        ),
    ],
)
def test_users_cannot_replace_the_management_endpoint(
    root_module: Workspace, variable: str, value: str
) -> None:
    """The module's endpoint is the API's own: an input setting the variable stops the plan."""
    code, out, err = root_module.terraform(
        ".", "plan", "-input=false", "-no-color", "-var=name=svc", f"-var={variable}={value}"
    )

    assert code != 0
    assert f"var.{variable}" in out + err
    assert "MANAGEMENT_API_ENDPOINT" in out + err
