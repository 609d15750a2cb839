"""Access logs are opt-in, because API Gateway logs only with the region's CloudWatch role.

The applies run through Terraform core and the stand-in, whose account refuses a
stage that logs while its region's API Gateway account settings name no role
(`local_gateway/standin/rules/apigateway.py`); the rule's own cases are
judged directly on planned changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from local_gateway.standin.account import AccountState
from local_gateway.standin.apigateway import CLOUDWATCH_ROLES, cloudwatch_role_arn
from local_gateway.standin.rules import Change, after_apply_effects, apply_violations
from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    account,
    apply,
    initialised,
    share_account,
    state_values,
)
from tools.standin_workspace import Workspace, choose_source

REGION_ROLE = "tests/plan_apply/fixtures/api_gateway_account"
REFUSAL = "CloudWatch Logs role ARN must be set in account settings to enable logging"
LOGS_ON = "-var=access_log_enabled=true"
STAGE = "module.websocket.module.api.aws_apigatewayv2_stage.this"
REGION = "us-east-1"

standin_only = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)


@standin_only
def test_first_deploy_then_access_logs_once_the_region_role_is_set(
    own_workspace: Workspace,
) -> None:
    """With only `name` the first apply in a new account succeeds and sets nothing
    region-wide; turning access logs on is refused with API Gateway's message until
    modules/api-gateway-account has set the region's role in the same account."""
    initialised(own_workspace, CONSUMER)
    initialised(own_workspace, REGION_ROLE)
    share_account(own_workspace, CONSUMER, own_workspace, REGION_ROLE)

    apply(own_workspace, CONSUMER)
    assert state_values(own_workspace, CONSUMER)[STAGE]["access_log_settings"] == []
    assert cloudwatch_role_arn(account(own_workspace, CONSUMER), REGION) is None
    assert not account(own_workspace, CONSUMER).of_type("aws_api_gateway_account")

    code, _out, err = own_workspace.terraform(
        CONSUMER, "apply", "-input=false", "-no-color", "-auto-approve", LOGS_ON
    )
    assert code != 0
    assert REFUSAL in " ".join(err.split())
    assert state_values(own_workspace, CONSUMER)[STAGE]["access_log_settings"] == []

    apply(own_workspace, REGION_ROLE)
    apply(own_workspace, CONSUMER, LOGS_ON)
    state = state_values(own_workspace, CONSUMER)
    group = state["module.websocket.module.api.aws_cloudwatch_log_group.this[0]"]
    assert state[STAGE]["access_log_settings"][0]["destination_arn"] == group["arn"]


def _applied(live: AccountState, change: Change) -> None:
    """Record `change` in `live` and let AWS derive what it does, as the provider's apply does."""
    record = live.record(change.type_name, change.action, "account", change.region, change.after)
    if record is not None:
        after_apply_effects(change, live, record)


@pytest.mark.parametrize(
    ("aws_version", "reset_on_delete", "setting_kept"),
    [("6.47.0", None, False), ("5.100.0", False, True), ("5.100.0", True, False)],
)
def test_destroying_the_account_settings_resets_them_with_aws_6_only(
    aws_version: str, reset_on_delete: bool | None, setting_kept: bool
) -> None:
    """Destroying aws_api_gateway_account resets the region's role with aws 6.x, and with
    5.x only when `reset_on_delete` is true (modules/api-gateway-account/README.md)."""
    role = "arn:aws:iam::1:role/logs"
    state = {"id": "api-gateway-account", "cloudwatch_role_arn": role}
    if reset_on_delete is not None:
        state["reset_on_delete"] = reset_on_delete
    live = AccountState()
    _applied(live, Change("aws_api_gateway_account", None, state, state, REGION, aws_version))
    assert cloudwatch_role_arn(live, REGION) == role
    _applied(live, Change("aws_api_gateway_account", state, None, None, REGION, aws_version))
    assert cloudwatch_role_arn(live, REGION) == (role if setting_kept else None)


def _stage_change(config: dict[str, Any], prior: dict[str, Any] | None = None) -> Change:
    """Creating (or, with `prior`, updating) a stage whose planned values are its `config`."""
    return Change("aws_apigatewayv2_stage", prior, config, config, REGION, "6.47.0")


def _account(**roles: str) -> AccountState:
    """An account whose regions (keyword names, `_` for `-`) have these CloudWatch roles."""
    return AccountState(
        settings={CLOUDWATCH_ROLES: {k.replace("_", "-"): v for k, v in roles.items()}}
    )


LOGGING_STAGES = {
    "access logs": {"access_log_settings": [{"destination_arn": "arn:aws:logs:x", "format": "{}"}]},
    "execution logs": {"default_route_settings": [{"logging_level": "ERROR"}]},
    "data trace": {"default_route_settings": [{"data_trace_enabled": True}]},
    "one route's logs": {"route_settings": [{"route_key": "$connect", "logging_level": "INFO"}]},
}
QUIET_STAGES = {
    "throttling only": {"default_route_settings": [{"throttling_burst_limit": 10}]},
    "logging off": {"default_route_settings": [{"logging_level": "OFF"}], "route_settings": []},
}


@pytest.mark.parametrize("config", LOGGING_STAGES.values(), ids=LOGGING_STAGES)
def test_a_logging_stage_needs_its_region_role(config: dict[str, Any]) -> None:
    """Any CloudWatch logging is refused until the stage's own region has a role."""
    change = _stage_change(config)
    refused = apply_violations(change, _account(eu_west_1="arn:aws:iam::1:role/logs"))
    assert [REFUSAL in violation.detail for violation in refused] == [True]
    assert apply_violations(change, _account(us_east_1="arn:aws:iam::1:role/logs")) == []


@pytest.mark.parametrize("config", QUIET_STAGES.values(), ids=QUIET_STAGES)
def test_a_stage_that_does_not_log_needs_no_role(config: dict[str, Any]) -> None:
    """Throttling, or logging left OFF, is accepted in a fresh account."""
    assert apply_violations(_stage_change(config), AccountState()) == []


def test_an_update_that_leaves_logging_alone_needs_no_role() -> None:
    """The provider sends only changed blocks, so a logging stage's other updates pass."""
    logging = LOGGING_STAGES["access logs"]
    change = _stage_change({**logging, "description": "new"}, prior={**logging, "description": ""})
    assert apply_violations(change, AccountState()) == []


def _role_account(trusted: str, policy_arn: str | None) -> AccountState:
    """An account with one role trusted by `trusted`, with `policy_arn` attached if given."""
    live = AccountState()
    trust = f'{{"Statement": [{{"Effect": "Allow", "Principal": {{"Service": "{trusted}"}}}}]}}'
    role = {"name": "logs", "arn": "arn:aws:iam::1:role/logs", "assume_role_policy": trust}
    live.record("aws_iam_role", "create", "logs", REGION, role)
    if policy_arn:
        attachment = {"role": "logs", "policy_arn": policy_arn}
        live.record("aws_iam_role_policy_attachment", "create", "logs-1", REGION, attachment)
    return live


PUSH_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@pytest.mark.parametrize(
    ("trusted", "policy_arn", "accepted"),
    [
        ("apigateway.amazonaws.com", PUSH_POLICY, True),
        ("lambda.amazonaws.com", PUSH_POLICY, False),
        ("apigateway.amazonaws.com", None, False),
    ],
)
def test_the_region_role_must_serve_api_gateway(
    trusted: str, policy_arn: str | None, accepted: bool
) -> None:
    """API Gateway takes a role only if it may assume it and the role may write logs."""
    config = {"cloudwatch_role_arn": "arn:aws:iam::1:role/logs"}
    change = Change("aws_api_gateway_account", None, config, config, REGION, "6.47.0")
    assert (apply_violations(change, _role_account(trusted, policy_arn)) == []) is accepted
