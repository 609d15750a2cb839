"""API Gateway's rules: deployments snapshot routes, and logging needs the region's role.

- A deployment is "a snapshot of the API" taken when it is created; a stage
  serves the deployment it points at, or with `auto_deploy` the API's current
  routes (see `local_gateway/standin/apigateway.py`, which tests query).
- A stage that logs to CloudWatch (access logs, or execution logs at `ERROR` or
  `INFO`, or data traces) is refused until the region's API Gateway account
  settings name a CloudWatch Logs role, which `aws_api_gateway_account` sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from local_gateway.standin.account import AccountState
from local_gateway.standin.apigateway import (
    CLOUDWATCH_ROLES,
    SNAPSHOT,
    cloudwatch_role_arn,
    snapshot,
)
from local_gateway.standin.rules import Change, Violation, after_apply, apply_rule, force_new

# hashicorp/terraform-provider-aws, internal/service/apigatewayv2/deployment.go and
# stage.go: `ForceNew: true` on these, so changing them replaces the resource.
force_new("aws_apigatewayv2_deployment", "api_id", "triggers")
force_new("aws_apigatewayv2_stage", "api_id", "name")

_LOGGING_SOURCE = (
    "API Gateway developer guide, 'Set up CloudWatch logging for REST APIs in API Gateway', "
    "Permissions for CloudWatch logging (the role is set per region in the account settings, "
    "cloudWatchRoleArn; the guide's WebSocket logging page points there); the error as "
    "WebSocket stages report it: sst/ion#373, aws-solutions/virtual-waiting-room-on-aws#74"
)
_ACCOUNT_ROLE_SOURCE = (
    "API Gateway developer guide, Permissions for CloudWatch logging (a role API Gateway may "
    "assume, with AmazonAPIGatewayPushToCloudWatchLogs); the error: aws/aws-cdk#2194, "
    "tmobile/jazz-installer#597"
)

# The stage blocks that can turn logging on; execution log levels are OFF, ERROR, INFO.
_LOGGING_BLOCKS = ("access_log_settings", "default_route_settings", "route_settings")
_PUSH_TO_LOGS_POLICY = "/AmazonAPIGatewayPushToCloudWatchLogs"


def _region(change: Change) -> str:
    """The region the resource lives in: its own `region` argument (aws 6.x) or the provider's."""
    configured = (change.config or {}).get("region")
    return configured if isinstance(configured, str) and configured else change.region


@after_apply("aws_apigatewayv2_deployment")
def deployment_snapshots_routes(
    change: Change, account: AccountState, record: dict[str, Any]
) -> None:
    """CreateDeployment snapshots the routes the API has at that moment.

    API Gateway developer guide, "Deploy WebSocket APIs in API Gateway": "Each
    stage is a snapshot of the API", and every change to routes, integrations or
    authorizers needs a redeployment. Updating a deployment changes only its
    description (the provider's deployment.go), so the snapshot stays.
    """
    if change.action == "create":
        record[SNAPSHOT] = snapshot(account, str(change.after["api_id"]))


def _logs_on(block_name: str, item: dict[str, Any]) -> bool:
    """Whether one configured block sends anything to CloudWatch Logs."""
    if block_name == "access_log_settings":
        return bool(item.get("destination_arn"))
    return item.get("logging_level") not in (None, "OFF") or bool(item.get("data_trace_enabled"))


def _turns_on_logging(change: Change) -> bool:
    """Whether the stage's create, or the blocks an update sends, enable logging.

    The provider sends a block on update only when it changed (stage.go,
    `d.HasChange`). The configuration is read, not the planned state: an
    unset `logging_level` is computed, and AWS leaves it `OFF`.
    """
    config = change.config or {}
    for name in _LOGGING_BLOCKS:
        if change.action == "update" and change.after.get(name) == (change.prior or {}).get(name):
            continue
        if any(_logs_on(name, item) for item in config.get(name) or [] if isinstance(item, dict)):
            return True
    return False


@apply_rule("aws_apigatewayv2_stage")
def stage_logging_needs_account_role(change: Change, account: AccountState) -> Iterable[Violation]:
    """API Gateway refuses a stage that logs while its region has no CloudWatch Logs role."""
    if change.action == "delete" or not _turns_on_logging(change):
        return
    if cloudwatch_role_arn(account, _region(change)):
        return
    verb = "creating" if change.action == "create" else "updating"
    yield Violation(
        summary=f"{verb} API Gateway v2 Stage ({change.after.get('name')})",
        detail=(
            "BadRequestException: CloudWatch Logs role ARN must be set in account settings "
            f"to enable logging (region {_region(change)})"
        ),
        source=_LOGGING_SOURCE,
    )


def _role_with_arn(account: AccountState, arn: str) -> dict[str, Any] | None:
    """The state of the IAM role with ARN `arn` (IAM is global: any region's record)."""
    roles = account.of_type("aws_iam_role").values()
    return next((r["state"] for r in roles if r["state"].get("arn") == arn), None)


def _trusts_api_gateway(role: dict[str, Any]) -> bool:
    """Whether the role's trust policy lets API Gateway assume it."""
    try:
        statements = json.loads(role.get("assume_role_policy") or "{}").get("Statement", [])
    except (TypeError, ValueError):
        return False
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", [])
        services = [services] if isinstance(services, str) else services
        if statement.get("Effect") == "Allow" and "apigateway.amazonaws.com" in services:
            return True
    return False


def _role_policies(account: AccountState, role_name: str) -> Iterator[str]:
    """The managed policy ARNs and inline policy documents attached to role `role_name`."""
    for record in account.of_type("aws_iam_role_policy_attachment").values():
        if record["state"].get("role") == role_name:
            yield str(record["state"].get("policy_arn"))
    for record in account.of_type("aws_iam_role_policy").values():
        if record["state"].get("role") == role_name:
            yield str(record["state"].get("policy"))


def _may_push_logs(account: AccountState, role_name: str) -> bool:
    """Whether the role has the managed push-to-logs policy, or an inline one writing logs."""
    return any(
        policy.endswith(_PUSH_TO_LOGS_POLICY) or "logs:PutLogEvents" in policy
        for policy in _role_policies(account, role_name)
    )


@apply_rule("aws_api_gateway_account")
def account_role_must_serve_api_gateway(
    change: Change, account: AccountState
) -> Iterable[Violation]:
    """UpdateAccount refuses a role API Gateway cannot assume or that cannot write logs."""
    arn = (change.config or {}).get("cloudwatch_role_arn")
    if change.action == "delete" or not isinstance(arn, str) or not arn:
        return
    role = _role_with_arn(account, arn)
    if role and _trusts_api_gateway(role) and _may_push_logs(account, str(role.get("name"))):
        return
    yield Violation(
        summary="updating API Gateway Account",
        detail=(
            "BadRequestException: The role ARN does not have required permissions configured. "
            "Please grant trust permission for API Gateway and add the required role policy."
        ),
        source=_ACCOUNT_ROLE_SOURCE,
    )


def _resets_on_delete(change: Change) -> bool:
    """aws 6.x always resets the region's settings on destroy; 5.x only with reset_on_delete.

    terraform-provider-aws CHANGELOG 5.75.1 (#40004: `reset_on_delete`, default
    false, "otherwise account settings are not modified") and the version 6
    upgrade guide, resource/aws_api_gateway_account: "The destroy operation will
    now always reset the API Gateway account settings".
    """
    major = change.provider_version.split(".")[0]
    if major.isdigit() and int(major) < 6:
        return bool((change.prior or {}).get("reset_on_delete"))
    return True


@after_apply("aws_api_gateway_account")
def account_sets_cloudwatch_role(
    change: Change, account: AccountState, record: dict[str, Any]
) -> None:
    """The resource is a handle on a region-wide setting, not a thing of its own.

    Applying it sets the region's role (when configured); destroying it resets
    the setting or leaves it, by provider version (`_resets_on_delete`).
    """
    roles = account.settings.setdefault(CLOUDWATCH_ROLES, {})
    if change.action == "delete":
        if _resets_on_delete(change):
            roles.pop(record.get("settings_region", record["region"]), None)
        return
    arn = (change.config or {}).get("cloudwatch_role_arn")
    if isinstance(arn, str):
        record["settings_region"] = _region(change)
        roles[record["settings_region"]] = arn
