"""What API Gateway serves and allows in the make-believe account, read from its records.

A stage does not serve the routes Terraform's state lists: it serves a
deployment, "a snapshot of the API" taken when the deployment is created, or,
with `auto_deploy`, the API as it is now, redeployed by API Gateway after every
change (API Gateway developer guide, "Deploy WebSocket APIs in API Gateway";
CloudFormation `AWS::ApiGatewayV2::Stage` `AutoDeploy`). Tests ask
`serving_routes` what clients of a stage reach after an apply; the rules in
`rules/apigateway.py` take snapshots with `current_routes` and read the
region-wide CloudWatch role with `cloudwatch_role_arn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from local_gateway.standin.account import AccountState

__all__ = [
    "CLOUDWATCH_ROLES",
    "SNAPSHOT",
    "ServedRoute",
    "cloudwatch_role_arn",
    "current_routes",
    "serving_routes",
    "snapshot",
]

# Key of a deployment's record holding the routes it snapshotted (not a schema attribute).
SNAPSHOT = "snapshot"
# Account setting: API Gateway's CloudWatch Logs role ARN by region (its cloudwatchRoleArn).
CLOUDWATCH_ROLES = "apigateway_cloudwatch_role_arn"


@dataclass(frozen=True)
class ServedRoute:
    """What a client reaches through one route key of a stage.

    `integration_uri` is None when the route's target integration no longer
    exists; `route_response_keys` are the route responses a two-way route sends.
    """

    integration_uri: str | None
    route_response_keys: tuple[str, ...] = ()


def _states(account: AccountState, type_name: str, api_id: str) -> dict[str, dict[str, Any]]:
    """The states of the `type_name` resources of API `api_id`, by id."""
    return {
        key: record["state"]
        for key, record in account.of_type(type_name).items()
        if record["state"].get("api_id") == api_id
    }


def current_routes(account: AccountState, api_id: str) -> dict[str, ServedRoute]:
    """The routes API `api_id` has now, each with its integration's URI, by route key."""
    integrations = _states(account, "aws_apigatewayv2_integration", api_id)
    responses = _states(account, "aws_apigatewayv2_route_response", api_id).values()
    served = {}
    for route_id, route in _states(account, "aws_apigatewayv2_route", api_id).items():
        target = route.get("target") or ""
        integration = integrations.get(target.removeprefix("integrations/"), {})
        keys = sorted(r["route_response_key"] for r in responses if r.get("route_id") == route_id)
        served[route["route_key"]] = ServedRoute(integration.get("integration_uri"), tuple(keys))
    return served


def snapshot(account: AccountState, api_id: str) -> dict[str, dict[str, Any]]:
    """The routes of API `api_id` in the JSON form a deployment's record keeps."""
    return {
        key: {
            "integration_uri": route.integration_uri,
            "route_response_keys": list(route.route_response_keys),
        }
        for key, route in current_routes(account, api_id).items()
    }


def serving_routes(account: AccountState, api_id: str, stage_name: str) -> dict[str, ServedRoute]:
    """The routes clients of stage `stage_name` of API `api_id` reach, by route key.

    With `auto_deploy` the API's current routes; otherwise the snapshot of the
    deployment the stage points at, or nothing when it points at none (a stage
    without a deployment answers 403: hashicorp/terraform-provider-aws#17955).

    Raises:
        LookupError: no such stage exists in the account.
    """
    stages = _states(account, "aws_apigatewayv2_stage", api_id).values()
    stage = next((s for s in stages if s.get("name") == stage_name), None)
    if stage is None:
        raise LookupError(f"no stage {stage_name!r} of API {api_id!r} in the account")
    if stage.get("auto_deploy"):
        return current_routes(account, api_id)
    deployment = account.of_type("aws_apigatewayv2_deployment").get(str(stage.get("deployment_id")))
    taken = (deployment or {}).get(SNAPSHOT, {})
    return {
        key: ServedRoute(route["integration_uri"], tuple(route["route_response_keys"]))
        for key, route in taken.items()
    }


def cloudwatch_role_arn(account: AccountState, region: str) -> str | None:
    """The CloudWatch Logs role API Gateway logs with in `region`, or None when unset."""
    return account.settings.get(CLOUDWATCH_ROLES, {}).get(region)
