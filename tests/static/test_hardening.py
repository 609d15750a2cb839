"""Invocation scope, encryption, backups, retention and throttling, read from the config.

Checked over every module of the tree, so that a resource added later is held
to the same rule; tests/static/test_tf_resources.py checks each existing
resource's own settings.
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.tfconfig import MODULE_DIRS, blocks, load

MODULES = [path for path in MODULE_DIRS if not path.startswith("examples/")]


def _resources_of(kind: str) -> dict[str, dict[str, Any]]:
    """Every resource of type `kind` in the root and the submodules, by `module:address`."""
    return {
        f"{module}:{address}": body
        for module in MODULES
        for address, body in blocks(load(module), "resource").items()
        if address.startswith(f"{kind}.")
    }


def _root_calls() -> dict[str, dict[str, Any]]:
    """The root's module blocks with the directory each calls, by module name."""
    return blocks(load("."), "module")


def _submodule_variables(call: dict[str, Any]) -> dict[str, Any]:
    """The variables of the submodule that a root `module` block calls."""
    return blocks(load(call["source"].removeprefix("./"), "variables.tf"), "variable")


def test_every_lambda_permission_is_scoped_to_this_api() -> None:
    """Each `aws_lambda_permission` lets only this API invoke: a route's function on its
    stage and route, the `$connect` authorizer's function as this API's authorizer only."""
    permissions = _resources_of("aws_lambda_permission")
    assert permissions
    scoped = {
        "aws_lambda_permission.this": (
            "${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/${each.key}"
        ),
        "aws_lambda_permission.authorizer": (
            "${aws_apigatewayv2_api.this.execution_arn}/authorizers/"
            "${aws_apigatewayv2_authorizer.this[0].id}"
        ),
    }
    for address, permission in permissions.items():
        assert permission["principal"] == "apigateway.amazonaws.com", address
        assert permission["source_arn"] == scoped[address.split(":")[-1]], address


def test_every_log_group_has_retention_and_the_optional_kms_key() -> None:
    """Each log group (the functions' and the stage's) keeps logs for the retention input
    and is encrypted with the `kms_key_arn` input when one is given.
    """
    groups = _resources_of("aws_cloudwatch_log_group")
    assert {address.split(":")[0] for address in groups} == {
        "modules/lambda-function",
        "modules/websocket-api",
    }
    for address, group in groups.items():
        assert group["retention_in_days"] == "${var.log_retention_in_days}", address
        assert group["kms_key_id"] == "${var.kms_key_arn}", address


@pytest.mark.parametrize(
    ("variable", "takers"),
    [
        ("kms_key_arn", {"connections_table", "api", "functions", "authorizer"}),
        ("log_retention_in_days", {"api", "functions", "authorizer"}),
        ("point_in_time_recovery_enabled", {"connections_table"}),
    ],
)
def test_root_passes_its_security_inputs_to_every_submodule_that_takes_them(
    variable: str, takers: set[str]
) -> None:
    """A user's KMS key, retention and PITR choice reach every submodule declaring the input:
    the KMS key the table, the API's access log group and every function's log group,
    the `$connect` authorizer's included.
    """
    calls = {
        name: call for name, call in _root_calls().items() if variable in _submodule_variables(call)
    }
    assert set(calls) == takers
    for name, call in calls.items():
        assert call[variable] == f"${{var.{variable}}}", name


def test_stage_throttling_is_always_on() -> None:
    """The root passes both throttling limits to the stage, with positive defaults,
    so a fresh deployment is never unthrottled.
    """
    api = _root_calls()["api"]
    variables = blocks(load(".", "variables.tf"), "variable")
    for limit in ("throttling_burst_limit", "throttling_rate_limit"):
        assert api[limit] == f"${{var.{limit}}}"
        assert variables[limit]["default"] > 0
        assert variables[limit]["nullable"] is False
