"""After every apply, the live stage serves exactly the configured routes.

Terraform core applies the changes in its real order through the stand-in, whose
account models API Gateway (`local_gateway/standin/apigateway.py`): a deployment
serves the routes that existed when it was created, a stage with `auto_deploy`
the API's current ones. The tests read what the stage serves after each apply.
"""

from __future__ import annotations

import pytest

from local_gateway.standin.apigateway import serving_routes
from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    account,
    apply,
    assert_stage_serves_configuration,
    configured_routes,
    initialised,
    routes_var,
    state_values,
)
from tools.standin_workspace import Workspace, choose_source

pytestmark = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)

SNAPSHOT_DESIGN = "tests/plan_apply/fixtures/deployment_snapshot"
# An extra route; its handler is one the module's own package has.
BROADCAST = {"handler": "websocket_handlers.echo.handler", "manage_connections": True}


def test_each_apply_leaves_the_stage_serving_the_configured_routes(
    own_workspace: Workspace,
) -> None:
    """Adding, changing and removing a route each take one apply to reach clients."""
    initialised(own_workspace, CONSUMER)
    defaults = {"$connect", "$disconnect", "$default"}

    apply(own_workspace, CONSUMER, routes_var({"broadcast": BROADCAST}))
    assert_stage_serves_configuration(own_workspace, defaults | {"broadcast"})

    two_way = {"broadcast": {**BROADCAST, "two_way_response": True}}
    apply(own_workspace, CONSUMER, routes_var(two_way))
    assert configured_routes(own_workspace)["broadcast"].route_response_keys == ("$default",)
    assert_stage_serves_configuration(own_workspace, defaults | {"broadcast"})

    apply(own_workspace, CONSUMER)
    assert_stage_serves_configuration(own_workspace, defaults)


def test_a_deployment_design_keeps_serving_a_removed_route(own_workspace: Workspace) -> None:
    """The stand-in reproduces pulumi/pulumi-aws#3683: with a create_before_destroy
    deployment, a removed route stays served and the next plan sees nothing to do."""
    initialised(own_workspace, SNAPSHOT_DESIGN)
    apply(own_workspace, SNAPSHOT_DESIGN, '-var=route_keys=["$connect", "send", "gone"]')
    apply(own_workspace, SNAPSHOT_DESIGN, '-var=route_keys=["$connect", "send"]')

    state = state_values(own_workspace, SNAPSHOT_DESIGN)
    assert not [address for address in state if address.endswith('["gone"]')]
    api_id = state["aws_apigatewayv2_api.this"]["id"]
    served = serving_routes(account(own_workspace, SNAPSHOT_DESIGN), api_id, "live")
    assert set(served) == {"$connect", "send", "gone"}
    assert served["gone"].integration_uri.endswith(":function:gone/invocations")

    code, out, err = own_workspace.terraform(
        SNAPSHOT_DESIGN,
        "plan",
        *("-input=false", "-no-color", "-detailed-exitcode"),
        '-var=route_keys=["$connect", "send"]',
    )
    assert code == 0, out + err
