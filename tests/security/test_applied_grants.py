"""The grants that depend on the inputs, read from the roles' policies after an apply.

A consumer of the module is applied through the stand-in, which gives every
ARN the form AWS does, so the policies hold the real ARNs: with and without a
customer managed key for the connections table, and with a route that neither
touches the table nor sends to clients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.offline_terraform.helpers import apply, initialised, terraform_ok
from tests.security.policy_audit import as_list, findings
from tools.standin_provider.workspace import project_copy

OUTPUTS_CONSUMER = "tests/offline_terraform/fixtures/outputs_consumer"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# A route of its own code that reads no table and sends to no client.
QUIET_ROUTE = {"ping": {"handler": "websocket_handlers.echo.handler"}}
TABLE_ROUTES = {"$connect", "$disconnect", "$default"}
SENDING_ROUTES = {"$default"}
_ROUTE_KEY = re.compile(r'module\.functions\["([^"]+)"\]')


def _resources(state: dict[str, Any], type_name: str) -> Iterator[dict[str, Any]]:
    modules = [state["values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        yield from (r for r in module.get("resources", []) if r["type"] == type_name)


@pytest.fixture(scope="module", params=[KEY_ARN, None], ids=["with-key", "without-key"])
def applied(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Each route's policy and log group ARN (by route key), the table's ARN and the
    stage's execution ARN, after an apply.
    """
    kms = [] if request.param is None else ["-var", f"kms_key_arn={request.param}"]
    with project_copy() as workspace:
        initialised(workspace, OUTPUTS_CONSUMER)
        apply(workspace, OUTPUTS_CONSUMER, "-var", f"routes={json.dumps(QUIET_ROUTE)}", *kms)
        state = json.loads(terraform_ok(workspace.terraform(OUTPUTS_CONSUMER, "show", "-json")))
        outputs = json.loads(terraform_ok(workspace.terraform(OUTPUTS_CONSUMER, "output", "-json")))
    module = outputs["websocket"]["value"]
    return {
        "key": request.param,
        "policies": {
            _route(policy): json.loads(policy["values"]["policy"])
            for policy in _resources(state, "aws_iam_role_policy")
        },
        "log_group_arns": {
            _route(group): group["values"]["arn"]
            for group in _resources(state, "aws_cloudwatch_log_group")
            if _ROUTE_KEY.search(group["address"])
        },
        "table_arn": module["connections_table_arn"],
        "stage_execution_arn": f"{module['api_execution_arn']}/{module['stage_name']}",
    }


def _route(resource: dict[str, Any]) -> str:
    """The route key of a resource of the functions module, from its address."""
    return _ROUTE_KEY.search(resource["address"]).group(1)


def _statements(policy: dict[str, Any], sid: str) -> list[dict[str, Any]]:
    return [statement for statement in policy["Statement"] if statement.get("Sid") == sid]


def _mentions_kms(statement: dict[str, Any]) -> bool:
    return any(action.startswith("kms:") for action in as_list(statement["Action"]))


def test_table_roles_may_decrypt_with_the_key_only_through_dynamodb(
    applied: dict[str, Any],
) -> None:
    """With kms_key_arn, each role that reads or writes the table may kms:Decrypt with that
    key, and only in requests DynamoDB makes in the key's region; without it, or for a route
    that does not touch the table, no role has any KMS action.
    """
    expected = {
        "Sid": "ConnectionsTableKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": [KEY_ARN],
        "Condition": {"StringLike": {"kms:ViaService": ["dynamodb.eu-west-1.*"]}},
    }
    policies = applied["policies"]
    assert set(policies) == TABLE_ROUTES | set(QUIET_ROUTE)
    for key, policy in policies.items():
        granted = [statement for statement in policy["Statement"] if _mentions_kms(statement)]
        wanted = [expected] if applied["key"] and key in TABLE_ROUTES else []
        assert granted == wanted, key


def test_senders_may_post_get_and_delete_on_this_stage_connections_only(
    applied: dict[str, Any],
) -> None:
    """A route that manages connections may send to (POST), read (GET) and close (DELETE)
    a connection of this stage, and nothing else; the other routes may do none of it.
    """
    stage = applied["stage_execution_arn"]
    for key, policy in applied["policies"].items():
        granted = _statements(policy, "ManageConnections")
        if key not in SENDING_ROUTES:
            assert granted == [], key
            continue
        assert len(granted) == 1, key
        assert as_list(granted[0]["Action"]) == ["execute-api:ManageConnections"]
        assert set(as_list(granted[0]["Resource"])) == {
            f"{stage}/{method}/@connections/*" for method in ("POST", "GET", "DELETE")
        }


def test_no_role_reaches_beyond_its_own_resources(applied: dict[str, Any]) -> None:
    """The audit of every role finds no wildcard and no resource the role does not need."""
    stage = applied["stage_execution_arn"]
    shared = {
        applied["table_arn"],
        *(f"{stage}/{method}/@connections/*" for method in ("POST", "GET", "DELETE")),
        *([applied["key"]] if applied["key"] else []),
    }
    for key, policy in applied["policies"].items():
        own_logs = f"{applied['log_group_arns'][key]}:*"
        assert findings(policy, shared | {own_logs}) == [], key
