"""Alarms and the dashboard: on only when asked, one alarm per watched thing, the right
dimensions, inputs validated, and the stand-in refusing what CloudWatch refuses.

`fixtures/monitored` passes the monitoring inputs to the module; `fixtures/cloudwatch`
is one bare alarm and dashboard for breaking the stand-in's CloudWatch rules
(`local_gateway/standin/rules/cloudwatch.py`) on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websocket_handlers.contract import CONTRACT, SEND_METRICS

from tests.plan_apply.helpers import (
    AWS_VERSION,
    apply,
    apply_into_state,
    initialised,
    plan_json,
    resource_changes,
    routes_var,
    state_values,
)
from tools.standin_workspace import Workspace, choose_source, project_copy

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

MONITORED = "tests/plan_apply/fixtures/monitored"
CLOUDWATCH = "tests/plan_apply/fixtures/cloudwatch"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"
ACTIONS = f'-var=alarm_actions=["{TOPIC}"]'
ALARMS = "module.websocket.module.alarms.aws_cloudwatch_metric_alarm.this"
DASHBOARD = "module.websocket.module.alarms.aws_cloudwatch_dashboard.this[0]"
# A route of the consumer's own that sends to clients, beside the default $default.
NOTIFY = {
    "notify": {
        "handler": "websocket_handlers.echo.handler",
        "dynamodb_actions": ["dynamodb:DeleteItem"],
        "manage_connections": True,
    }
}
ROUTE_KEYS = ["$connect", "$disconnect", "$default", "notify"]
DEFAULT_THRESHOLDS = {
    "errors": 1,
    "throttles": 1,
    "integration_errors": 5,
    "execution_errors": 1,
    "read_throttles": 1,
    "write_throttles": 1,
    "send_failures": 1,
}

standin_only = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)


def alarms_of(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The planned alarms' values, by the module's key (`<route>/errors`, `api/...`)."""
    return {
        address.removeprefix(f"{ALARMS}[").removesuffix("]").strip('"'): change["change"]["after"]
        for address, change in changes.items()
        if address.startswith(f"{ALARMS}[")
    }


def function_names(changes: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each planned function's name, by route key."""
    prefix = 'module.websocket.module.functions["'
    return {
        address.removeprefix(prefix).split('"]')[0]: change["change"]["after"]["function_name"]
        for address, change in changes.items()
        if address.startswith(prefix) and address.endswith(".aws_lambda_function.this")
    }


@pytest.fixture(scope="module")
def monitored() -> Iterator[Workspace]:
    """A project copy with the monitored consumer initialised, for plans only."""
    with project_copy() as workspace:
        yield initialised(workspace, MONITORED)


@pytest.fixture(scope="module")
def plan_off(monitored: Workspace) -> dict[str, Any]:
    """The plan with every monitoring input at its default."""
    return plan_json(monitored, MONITORED, routes_var(NOTIFY))


@pytest.fixture(scope="module")
def plan_on(monitored: Workspace) -> dict[str, Any]:
    """The plan with one SNS topic as the alarm action."""
    return plan_json(monitored, MONITORED, routes_var(NOTIFY), ACTIONS)


def test_without_alarm_actions_there_is_no_alarm_and_no_dashboard(plan_off):
    """The defaults create no alarm and no dashboard, and the outputs say so."""
    types = {change["type"] for change in resource_changes(plan_off).values()}
    assert not types & {"aws_cloudwatch_metric_alarm", "aws_cloudwatch_dashboard"}
    outputs = plan_off["planned_values"]["outputs"]
    assert outputs["alarm_arns"]["value"] == {}
    assert outputs["dashboard_name"].get("value") is None


def test_alarm_actions_create_one_alarm_per_function_and_metric(plan_on):
    """Each function has one Errors and one Throttles alarm on its own FunctionName; each
    sending function one on its failed sends; the table one per throttled direction; the
    API one per error metric; nothing else."""
    changes = resource_changes(plan_on)
    functions = function_names(changes)
    alarms = alarms_of(changes)
    assert sorted(functions) == sorted(ROUTE_KEYS)
    assert set(alarms) == {
        *(f"{key}/{kind}" for key in ROUTE_KEYS for kind in ("errors", "throttles")),
        "$default/send_failures",
        "notify/send_failures",
        "api/integration_errors",
        "api/execution_errors",
        "table/read_throttles",
        "table/write_throttles",
    }
    for key, name in functions.items():
        for kind, metric in (("errors", "Errors"), ("throttles", "Throttles")):
            alarm = alarms[f"{key}/{kind}"]
            assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
            assert alarm["dimensions"] == {"FunctionName": name}
    for key in ("$default", "notify"):
        alarm = alarms[f"{key}/send_failures"]
        assert alarm["namespace"] == CONTRACT["module_defaults"]["metrics_namespace"]
        assert alarm["metric_name"] == SEND_METRICS["failed"]
        assert alarm["dimensions"] == {SEND_METRICS["dimension"]: functions[key]}
    for kind, metric in (("read", "ReadThrottleEvents"), ("write", "WriteThrottleEvents")):
        alarm = alarms[f"table/{kind}_throttles"]
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/DynamoDB", metric)
        assert alarm["dimensions"] == {"TableName": "watched-connections"}
    for kind, metric in (("integration", "IntegrationError"), ("execution", "ExecutionError")):
        alarm = alarms[f"api/{kind}_errors"]
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/ApiGateway", metric)


def test_every_alarm_notifies_sums_and_stays_ok_without_data(plan_on):
    """Defaults: Sum over 60 s, one period, at or over the default threshold, missing data
    not breaching, the topic told on ALARM and on OK; names unique within CloudWatch's 255."""
    alarms = alarms_of(resource_changes(plan_on))
    names = [alarm["alarm_name"] for alarm in alarms.values()]
    assert len(set(names)) == len(names)
    for key, alarm in alarms.items():
        assert alarm["alarm_actions"] == [TOPIC]
        assert alarm["ok_actions"] == [TOPIC]
        assert alarm["treat_missing_data"] == "notBreaching"
        assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Sum", 60, 1)
        assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["threshold"] == DEFAULT_THRESHOLDS[key.split("/")[1]]
        assert len(alarm["alarm_name"]) <= 255


def test_every_function_gets_the_metrics_namespace(plan_on):
    """The handlers publish in the namespace the alarms watch: METRICS_NAMESPACE is set on
    every function, to the module's default."""
    name = CONTRACT["environment"]["metrics_namespace"]
    for address, change in resource_changes(plan_on).items():
        if change["type"] == "aws_lambda_function":
            variables = change["change"]["after"]["environment"][0]["variables"]
            assert variables[name] == CONTRACT["module_defaults"]["metrics_namespace"], address


def test_thresholds_periods_namespace_and_ok_actions_follow_the_inputs(root_module):
    """Each threshold, the period, the evaluation periods, the namespace and OK actions
    reach the alarms (and the namespace the functions)."""
    thresholds = {
        "function_errors": 2,
        "function_throttles": 3,
        "api_integration_errors": 4,
        "api_execution_errors": 5,
        "table_throttle_events": 6,
        "failed_sends": 7,
    }
    plan = plan_json(
        root_module,
        ".",
        "-var=name=chat",
        ACTIONS,
        f"-var=alarm_thresholds={json.dumps(thresholds)}",
        "-var=alarm_period=300",
        "-var=alarm_evaluation_periods=3",
        "-var=alarm_ok_actions_enabled=false",
        "-var=metrics_namespace=Chat/Prod",
    )
    alarms = alarms_of(
        {
            k.replace("module.alarms", "module.websocket.module.alarms"): v
            for k, v in resource_changes(plan).items()
        }
    )
    expected = {
        "errors": 2,
        "throttles": 3,
        "integration_errors": 4,
        "execution_errors": 5,
        "read_throttles": 6,
        "write_throttles": 6,
        "send_failures": 7,
    }
    assert alarms
    for key, alarm in alarms.items():
        assert alarm["threshold"] == expected[key.split("/")[1]], key
        assert (alarm["period"], alarm["evaluation_periods"]) == (300, 3)
        assert alarm["ok_actions"] in ([], None)
    assert alarms["$default/send_failures"]["namespace"] == "Chat/Prod"


# One plan per set; each set has bad values of different variables, and the words each
# variable's error must hold.
BAD_MONITORING_PLANS: list[dict[str, tuple[str, str]]] = [
    {
        "alarm_actions": ('["arn:aws:sqs:eu-west-1:123456789012:queue"]', "SNS topic ARNs"),
        "alarm_thresholds": ('{"function_errors": 0}', "whole number from 1"),
        "alarm_period": ("90", "multiple of 60"),
        "alarm_evaluation_periods": ("0", "whole number from 1"),
        "metrics_namespace": ("AWS/Chat", "reserved for AWS"),
    },
    {
        "alarm_actions": (json.dumps([f"{TOPIC}{i}" for i in range(6)]), "at most 5"),
        "alarm_thresholds": ('{"failed_sends": 1.5}', "whole number from 1"),
        "alarm_period": ("30", "multiple of 60"),
        "alarm_evaluation_periods": ("1.5", "whole number from 1"),
        "metrics_namespace": (":Chat", "not starting with ':'"),
    },
    {
        "alarm_actions": ('["arn:aws:sns:eu-west-1:12345:alerts"]', "arn:<partition>:sns"),
        "alarm_period": ("86460", "from 60 to 86400"),
        "metrics_namespace": ("Chat$", "0-9, A-Z, a-z"),
    },
]
BAD_MONITORING_INPUTS = [
    pytest.param(index, name, words, id=f"{name}-{index}")
    for index, plan in enumerate(BAD_MONITORING_PLANS)
    for name, (_value, words) in plan.items()
]


@pytest.fixture(scope="module")
def bad_monitoring_errors(root_module: Workspace) -> dict[int, list[str]]:
    """The error blocks of one plan of the module per set of bad monitoring values."""
    errors = {}
    for index, bad_vars in enumerate(BAD_MONITORING_PLANS):
        args = [f"-var={name}={value}" for name, (value, _words) in bad_vars.items()]
        code, _out, err = root_module.terraform(
            ".", "plan", "-input=false", "-no-color", "-var=name=chat", *args
        )
        assert code != 0
        errors[index] = [" ".join(block.split()) for block in err.split("Error: ")[1:]]
    return errors


@pytest.mark.parametrize(("plan_index", "variable", "words"), BAD_MONITORING_INPUTS)
def test_bad_monitoring_input_fails_plan_naming_the_variable_and_the_rule(
    bad_monitoring_errors: dict[int, list[str]], plan_index: int, variable: str, words: str
) -> None:
    """A value the module does not allow stops the plan with an error on that variable
    that says what is allowed."""
    blocks = bad_monitoring_errors[plan_index]
    assert any(
        block.startswith("Invalid value for variable")
        and f"var.{variable}" in block
        and words in block
        for block in blocks
    ), blocks


def test_a_window_over_a_day_fails_the_plan(root_module: Workspace) -> None:
    """A period and evaluation periods that are valid alone but span more than a day stop
    the plan, naming both, before CloudWatch would refuse the alarm."""
    code, _out, err = root_module.terraform(
        ".",
        "plan",
        "-input=false",
        "-no-color",
        "-var=name=chat",
        ACTIONS,
        "-var=alarm_period=3600",
        "-var=alarm_evaluation_periods=25",
    )
    assert code != 0
    message = " ".join(err.split())
    assert "must be at most 86400 seconds" in message
    assert "(3600 s) times the evaluation periods (25)" in message


@standin_only
def test_apply_watches_the_api_stage_and_dashboard_then_both_switch_off(
    own_workspace: Workspace,
) -> None:
    """Applied: the API alarms watch the API's own id and stage, the dashboard graphs that
    API, every function and every sender in the region, under a name with the region;
    switching both inputs off deletes every alarm and the dashboard."""
    initialised(own_workspace, MONITORED)
    apply(own_workspace, MONITORED, routes_var(NOTIFY), ACTIONS, "-var=create_dashboard=true")
    state = state_values(own_workspace, MONITORED)
    api = state["module.websocket.module.api.aws_apigatewayv2_api.this"]["id"]
    stage = state["module.websocket.module.api.aws_apigatewayv2_stage.this"]["name"]
    for kind in ("integration_errors", "execution_errors"):
        assert state[f'{ALARMS}["api/{kind}"]']["dimensions"] == {"ApiId": api, "Stage": stage}

    dashboard = state[DASHBOARD]
    assert dashboard["dashboard_name"] == "watched-websocket-eu-west-1"
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    lines = [line for widget in widgets for line in widget["properties"]["metrics"]]
    assert {widget["properties"]["region"] for widget in widgets} == {"eu-west-1"}
    graphed = {tuple(line[:2]) for line in lines}
    for metric in ("ConnectCount", "MessageCount", "IntegrationError", "ExecutionError"):
        assert ("AWS/ApiGateway", metric) in graphed
    assert all(
        line[2:] == ["ApiId", api, "Stage", stage] for line in lines if line[0] == "AWS/ApiGateway"
    )
    functions = {
        values["function_name"]
        for address, values in state.items()
        if address.endswith(".aws_lambda_function.this")
    }
    assert {line[3] for line in lines if line[:2] == ["AWS/Lambda", "Duration"]} == functions
    senders = {line[3] for line in lines if line[1] == SEND_METRICS["failed"]}
    assert senders == {"watched-default", "watched-notify"}
    assert ("AWS/ApiGateway", "IntegrationLatency") in graphed

    outputs = json.loads(own_workspace.terraform(MONITORED, "output", "-json")[1])
    assert outputs["alarm_arns"]["value"] == {
        address.removeprefix(f"{ALARMS}[").removesuffix("]").strip('"'): values["arn"]
        for address, values in state.items()
        if address.startswith(f"{ALARMS}[")
    }
    assert outputs["alarm_arns"]["value"]["api/execution_errors"] == (
        "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:watched-api-execution-errors"
    )
    assert outputs["dashboard_name"]["value"] == dashboard["dashboard_name"]

    apply(own_workspace, MONITORED, routes_var(NOTIFY))
    remaining = state_values(own_workspace, MONITORED)
    assert not [address for address in remaining if "module.alarms" in address]


@pytest.fixture(scope="module")
def cloudwatch_fixture() -> Iterator[Workspace]:
    """A project copy with the bare alarm-and-dashboard fixture initialised."""
    with project_copy() as workspace:
        yield initialised(workspace, CLOUDWATCH)


@standin_only
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        pytest.param({"alarm_name": "a" * 256}, "less than or equal to 255", id="alarm-name-256"),
        pytest.param(
            {"alarm_actions": [f"{TOPIC}{i}" for i in range(6)]},
            "'alarmActions' failed to satisfy constraint",
            id="six-actions",
        ),
        pytest.param({"period": 45}, "Period 45 is not valid", id="period-45"),
        pytest.param(
            {"period": 3600, "evaluation_periods": 25},
            "must not exceed 86400 seconds",
            id="window-over-a-day",
        ),
        pytest.param({"dashboard_name": "my dashboard"}, "dashboard name", id="name-space"),
        pytest.param({"dashboard_body": '{"panels": []}'}, "'widgets'", id="no-widgets"),
        pytest.param({"dashboard_body": "not json"}, "not valid JSON", id="not-json"),
        pytest.param({"dashboard_body": '{"widgets": [1]}'}, "'type'", id="widget-not-object"),
    ],
)
def test_cloudwatch_refuses_what_its_api_refuses(
    cloudwatch_fixture: Workspace, variables: dict[str, Any], expected: str
) -> None:
    """Each setting PutMetricAlarm or PutDashboard refuses fails the apply with its reason."""
    state = "-".join(str(name) for name in variables)
    code, output = apply_into_state(cloudwatch_fixture, CLOUDWATCH, state, **variables)
    assert code != 0, output
    assert expected in output
    assert "putting CloudWatch" in output


@standin_only
def test_an_alarm_and_dashboard_within_every_rule_apply(cloudwatch_fixture: Workspace) -> None:
    """At the limits (a 255-character name, five actions, 20 s, a day's window, a
    255-character dashboard name) the fixture applies."""
    code, output = apply_into_state(
        cloudwatch_fixture,
        CLOUDWATCH,
        "valid",
        alarm_name="a" * 255,
        alarm_actions=[f"{TOPIC}{i}" for i in range(5)],
        period=20,
        evaluation_periods=4320,
        dashboard_name="d" * 255,
    )
    assert code == 0, output


def test_the_built_authorizer_is_watched_like_a_route_function(root_module):
    """An authorizer that errors or is throttled refuses every connect, so the function
    the module builds for `$connect` gets the same Errors and Throttles alarms."""
    authorization = {
        "type": "CUSTOM",
        "handler": "websocket_handlers.authorizer.handler",
        "secret_arn": "arn:aws:ssm:eu-west-1:123456789012:parameter/chat/token-secret",
    }
    plan = plan_json(
        root_module,
        ".",
        "-var=name=chat",
        ACTIONS,
        f"-var=connect_authorization={json.dumps(authorization)}",
    )
    alarms = alarms_of(
        {
            k.replace("module.alarms", "module.websocket.module.alarms"): v
            for k, v in resource_changes(plan).items()
        }
    )
    for kind, metric in (("errors", "Errors"), ("throttles", "Throttles")):
        alarm = alarms[f"connect-authorizer/{kind}"]
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
        assert alarm["dimensions"] == {"FunctionName": "chat-connect-authorizer"}
    assert "connect-authorizer/send_failures" not in alarms
