"""`$connect` authorization: the module's input off and on, what it refuses, what it grants.

API Gateway's rules for a WebSocket API, which the module builds to and the
stand-in's `rules/authorizers.py` enforces at apply:

- Authorization on `$connect` only: "You can only use a Lambda authorizer
  function for the $connect route" (API Gateway developer guide, "Control access
  to WebSocket APIs with AWS Lambda REQUEST authorizers"); any other route with an
  authorization type is answered "Currently, authorization is restricted to the
  $connect route only", and an authorizer id alone on another route slips through
  (hashicorp/terraform-provider-aws#40833).
- A Lambda REQUEST authorizer returning an IAM policy, never cached: the API
  reference's Authorizer gives `authorizerResultTtlInSeconds`,
  `enableSimpleResponses` and `authorizerPayloadFormatVersion` to HTTP APIs only.
- API Gateway invokes the authorizer's function under a permission whose source
  ARN is the authorizer's own, `<execution arn>/authorizers/<id>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plan_apply.helpers import (
    AWS_VERSION,
    apply,
    apply_into_state,
    initialised,
    plan_json,
    resource_changes,
    state_values,
)
from tests.plan_apply.policy_audit import findings
from tools.standin_workspace import Workspace, choose_source, project_copy

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

REGION = "us-east-1"
ACCOUNT = "123456789012"
PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/chat/token-secret"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:chat/token-secret-AbCdEf"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXISTING_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:shared-authorizer"
EXAMPLE_HANDLER = "websocket_handlers.authorizer.handler"

API = "module.api"
AUTHORIZER = f"{API}.aws_apigatewayv2_authorizer.this[0]"
PERMISSION = f"{API}.aws_lambda_permission.authorizer[0]"
CONNECT_ROUTE = f'{API}.aws_apigatewayv2_route.this["$connect"]'
FUNCTION = "module.authorizer[0].aws_lambda_function.this"
POLICY = "module.authorizer[0].aws_iam_role_policy.this"

BUILT = {"type": "CUSTOM", "handler": EXAMPLE_HANDLER, "secret_arn": PARAMETER_ARN}
EXISTING = {"type": "CUSTOM", "function_arn": EXISTING_ARN}

standin_only = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)


def _authorization(value: dict[str, Any]) -> str:
    return f"-var=connect_authorization={json.dumps(value)}"


def _plan(root_module: Workspace, value: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The planned values of the module with `connect_authorization` (None: left out)."""
    args = ["-var=name=chat"] + ([] if value is None else [_authorization(value)])
    changes = resource_changes(plan_json(root_module, ".", *args))
    return {address: change["change"]["after"] for address, change in changes.items()}


def _plan_errors(workspace: Workspace, directory: str, *args: str) -> str:
    """The plan's error output on one line; the plan must fail."""
    code, out, err = workspace.terraform(directory, "plan", "-input=false", "-no-color", *args)
    assert code != 0, out
    return " ".join(err.split())


################################################################################
# Off and on
################################################################################


def test_by_default_anyone_may_connect(root_module: Workspace) -> None:
    """NONE (default): no authorizer, no authorizer function, no route authorization."""
    planned = _plan(root_module, None)
    assert not [a for a in planned if "authorizer" in a]
    assert planned[CONNECT_ROUTE].get("authorization_type") in (None, "NONE")
    assert planned[CONNECT_ROUTE].get("authorizer_id") is None


def test_a_built_authorizer_is_a_websocket_request_authorizer_on_connect_only(
    root_module: Workspace,
) -> None:
    """CUSTOM with a handler: a REQUEST authorizer on the query string token, uncached,
    policy responses; $connect is CUSTOM and every other route has no authorization."""
    planned = _plan(root_module, BUILT)
    authorizer = planned[AUTHORIZER]
    assert authorizer["authorizer_type"] == "REQUEST"
    assert authorizer["identity_sources"] == ["route.request.querystring.token"]
    for http_only in (
        "authorizer_result_ttl_in_seconds",
        "enable_simple_responses",
        "authorizer_payload_format_version",
    ):
        assert authorizer.get(http_only) is None, http_only
    assert planned[CONNECT_ROUTE]["authorization_type"] == "CUSTOM"
    others = [a for a in planned if ".aws_apigatewayv2_route.this[" in a and a != CONNECT_ROUTE]
    assert others
    assert all(planned[a].get("authorization_type") in (None, "NONE") for a in others)
    assert all(planned[a].get("authorizer_id") is None for a in others)
    function = planned[FUNCTION]
    assert function["handler"] == EXAMPLE_HANDLER
    assert function["environment"] == [{"variables": {"AUTHORIZER_SECRET_ARN": PARAMETER_ARN}}]
    assert PERMISSION in planned


def test_identity_sources_and_environment_reach_the_authorizer(root_module: Workspace) -> None:
    """The given identity sources replace the default; the environment is the function's."""
    value = {
        **BUILT,
        "identity_sources": ["route.request.header.Authorization", "context.sourceIp"],
        "environment": {"AUTHORIZER_AUDIENCE": "abc/dev"},
    }
    planned = _plan(root_module, value)
    assert sorted(planned[AUTHORIZER]["identity_sources"]) == [
        "context.sourceIp",
        "route.request.header.Authorization",
    ]
    assert planned[FUNCTION]["environment"][0]["variables"] == {
        "AUTHORIZER_AUDIENCE": "abc/dev",
        "AUTHORIZER_SECRET_ARN": PARAMETER_ARN,
    }


def test_an_existing_function_gets_only_the_permission(root_module: Workspace) -> None:
    """CUSTOM with a function_arn: the module builds no function or role, invokes that ARN
    through the API's region and lets API Gateway call it as this authorizer."""
    planned = _plan(root_module, EXISTING)
    assert not [a for a in planned if a.startswith("module.authorizer")]
    assert AUTHORIZER in planned  # its URI, in the API's region, is checked once applied
    assert planned[PERMISSION]["function_name"] == EXISTING_ARN
    assert planned[PERMISSION]["principal"] == "apigateway.amazonaws.com"


def test_aws_iam_authorizes_connect_without_an_authorizer(root_module: Workspace) -> None:
    """AWS_IAM: $connect takes SigV4-signed requests; no authorizer or function."""
    planned = _plan(root_module, {"type": "AWS_IAM"})
    assert planned[CONNECT_ROUTE]["authorization_type"] == "AWS_IAM"
    assert planned[CONNECT_ROUTE].get("authorizer_id") is None
    assert not [a for a in planned if "authorizer" in a]


################################################################################
# Refused at plan time
################################################################################

REFUSED = {
    "CUSTOM without a function": ({"type": "CUSTOM"}, "exactly one of handler"),
    "CUSTOM with both": (
        {**BUILT, "function_arn": EXISTING_ARN},
        "exactly one of handler",
    ),
    "identity sources with AWS_IAM": (
        {"type": "AWS_IAM", "identity_sources": ["route.request.header.Authorization"]},
        "AWS_IAM authorizes the SigV4 signature",
    ),
    "an HTTP API identity source": (
        {**BUILT, "identity_sources": ["$request.header.Authorization"]},
        "not $request.*",
    ),
    "a JWT type": ({"type": "JWT"}, "must be NONE, CUSTOM or AWS_IAM"),
    "the example without a secret": (
        {"type": "CUSTOM", "handler": EXAMPLE_HANDLER},
        "needs secret_arn",
    ),
    "a secret for an existing function": (
        {"type": "CUSTOM", "function_arn": EXISTING_ARN, "secret_arn": PARAMETER_ARN},
        "goes with a handler the module deploys",
    ),
    "a wildcard secret": ({**BUILT, "secret_arn": "arn:aws:ssm:*:*:parameter/*"}, "secret_arn"),
    "a key without a secret": (
        {"type": "CUSTOM", "function_arn": EXISTING_ARN, "secret_kms_key_arn": KEY_ARN},
        "goes with secret_arn",
    ),
    "the module's own variable": (
        {**BUILT, "environment": {"AUTHORIZER_SECRET_ARN": "x"}},
        "other than AUTHORIZER_SECRET_ARN",
    ),
    "a function name that is not an ARN": (
        {"type": "CUSTOM", "function_arn": "shared-authorizer"},
        "must be a Lambda function ARN",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_bad_authorization_fails_the_plan_naming_the_problem(
    root_module: Workspace, case: str
) -> None:
    """Each combination API Gateway or the authorizer could not use stops the plan,
    naming connect_authorization and what is wrong."""
    value, problem = REFUSED[case]
    output = _plan_errors(root_module, ".", "-var=name=chat", _authorization(value))
    assert "var.connect_authorization" in output
    assert problem in output


def test_an_unimportable_authorizer_handler_fails_the_plan(root_module: Workspace) -> None:
    """A handler the packaged code does not hold is refused as a route's would be."""
    value = {"type": "CUSTOM", "handler": "nowhere.auth.handler"}
    output = _plan_errors(root_module, ".", "-var=name=chat", _authorization(value))
    assert "$connect authorizer: Lambda could not import its handler nowhere.auth.handler" in output


def test_a_route_cannot_take_the_authorizers_function_name(root_module: Workspace) -> None:
    """A route keyed connect-authorizer would name its function as the built authorizer."""
    routes = json.dumps({"connect-authorizer": {"handler": "websocket_handlers.echo.handler"}})
    output = _plan_errors(
        root_module, ".", "-var=name=chat", f"-var=routes={routes}", _authorization(BUILT)
    )
    assert "The route key connect-authorizer is taken" in output


@pytest.fixture(scope="module")
def api_module() -> Iterator[Workspace]:
    """The websocket-api submodule, initialised, for planning it alone."""
    with project_copy() as workspace:
        yield initialised(workspace, "modules/websocket-api")


def _api_vars(routes: dict[str, Any], authorizer: dict[str, Any] | None = None) -> list[str]:
    args = {
        "name": "chat",
        "route_selection_expression": "$request.body.action",
        "stage_name": "dev",
        "throttling_burst_limit": "10",
        "throttling_rate_limit": "10",
        "access_log_enabled": "false",
        "log_retention_in_days": "14",
        "routes": json.dumps(routes),
    }
    if authorizer is not None:
        args["authorizer"] = json.dumps(authorizer)
    return [f"-var={name}={value}" for name, value in args.items()]


def _api_route(authorization_type: str = "NONE") -> dict[str, Any]:
    return {
        "function_name": "f",
        "invoke_arn": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        f"{EXISTING_ARN}/invocations",
        "two_way_response": False,
        "authorization_type": authorization_type,
    }


@pytest.mark.parametrize("route_key", ["$default", "$disconnect", "sendmessage"])
@pytest.mark.parametrize("authorization_type", ["CUSTOM", "AWS_IAM"])
def test_the_api_module_refuses_authorization_on_any_route_but_connect(
    api_module: Workspace, route_key: str, authorization_type: str
) -> None:
    """Used alone, the submodule refuses authorization on another route at plan time,
    quoting API Gateway's refusal."""
    routes = {"$connect": _api_route(), route_key: _api_route(authorization_type)}
    authorizer = {"name": "a", "function_arn": EXISTING_ARN, "identity_sources": []}
    output = _plan_errors(api_module, "modules/websocket-api", *_api_vars(routes, authorizer))
    assert "authorization is restricted to the $connect route only" in output
    assert f"Routes with one: {route_key}" in output


def test_the_api_module_refuses_custom_without_an_authorizer(api_module: Workspace) -> None:
    """A CUSTOM $connect needs the authorizer it names."""
    output = _plan_errors(
        api_module, "modules/websocket-api", *_api_vars({"$connect": _api_route("CUSTOM")})
    )
    assert "has authorization_type CUSTOM but no authorizer is given" in output


################################################################################
# Applied: least privilege and scoped permissions
################################################################################


@pytest.fixture(scope="module", params=["ssm-with-key", "secretsmanager"])
def applied_authorizer(request) -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    """The module applied with the example authorizer, its secret in SSM under a customer
    managed key or in Secrets Manager; the state's values by address."""
    value = (
        {**BUILT, "secret_kms_key_arn": KEY_ARN}
        if request.param == "ssm-with-key"
        else {**BUILT, "secret_arn": SECRET_ARN}
    )
    if not choose_source(AWS_VERSION).is_standin:
        pytest.skip("with real providers an apply would create real AWS resources")
    with project_copy() as workspace:
        initialised(workspace, ".")
        apply(workspace, ".", "-var=name=chat", _authorization(value))
        yield request.param, state_values(workspace, ".")


@standin_only
def test_the_authorizer_role_may_only_log_and_read_its_secret(applied_authorizer) -> None:
    """The built authorizer's role: its own log group, the one secret with the one read
    action, and kms:Decrypt on the given key through that service only; nothing else."""
    kind, state = applied_authorizer
    policy = json.loads(state[POLICY]["policy"])
    log_group = state["module.authorizer[0].aws_cloudwatch_log_group.this"]["arn"]
    secret = PARAMETER_ARN if kind == "ssm-with-key" else SECRET_ARN
    allowed = {f"{log_group}:*", secret} | ({KEY_ARN} if kind == "ssm-with-key" else set())
    assert findings(policy, allowed) == []
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    expected_sids = {"WriteOwnLogs", "ReadTokenSecret"} | (
        {"DecryptTokenSecret"} if kind == "ssm-with-key" else set()
    )
    assert set(by_sid) == expected_sids
    read = by_sid["ReadTokenSecret"]
    assert read["Action"] == (
        ["ssm:GetParameter"] if kind == "ssm-with-key" else ["secretsmanager:GetSecretValue"]
    )
    assert read["Resource"] == [secret]
    if kind == "ssm-with-key":
        assert by_sid["DecryptTokenSecret"]["Action"] == ["kms:Decrypt"]
        assert by_sid["DecryptTokenSecret"]["Condition"] == {
            "StringLike": {"kms:ViaService": [f"ssm.{REGION}.*"]}
        }
    role = state["module.authorizer[0].aws_iam_role.this"]
    assert [a for a, v in state.items() if a.endswith("aws_iam_role_policy_attachment")] == []
    assert json.loads(role["assume_role_policy"])["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


@standin_only
def test_api_gateway_may_invoke_the_authorizer_as_this_authorizer_only(
    applied_authorizer,
) -> None:
    """The permission's source ARN is the authorizer's own ARN, and $connect names it."""
    _kind, state = applied_authorizer
    api = state[f"{API}.aws_apigatewayv2_api.this"]
    authorizer = state[AUTHORIZER]
    permission = state[PERMISSION]
    assert permission["source_arn"] == f"{api['execution_arn']}/authorizers/{authorizer['id']}"
    assert permission["function_name"] == state[FUNCTION]["arn"]
    assert permission["principal"] == "apigateway.amazonaws.com"
    route = state[CONNECT_ROUTE]
    assert (route["authorization_type"], route["authorizer_id"]) == ("CUSTOM", authorizer["id"])


@standin_only
def test_switching_authorization_off_again_removes_the_authorizer(own_workspace) -> None:
    """CUSTOM with an existing function (invoked through the API's own region), then NONE:
    the authorizer and its permission go, $connect is open again, the next plan is empty."""
    initialised(own_workspace, ".")
    apply(own_workspace, ".", "-var=name=chat", _authorization(EXISTING))
    uri = state_values(own_workspace, ".")[AUTHORIZER]["authorizer_uri"]
    assert uri == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{EXISTING_ARN}/invocations"
    )
    apply(own_workspace, ".", "-var=name=chat")
    state = state_values(own_workspace, ".")
    assert not [a for a in state if "authorizer" in a]
    assert state[CONNECT_ROUTE].get("authorization_type") in (None, "NONE")
    assert state[CONNECT_ROUTE].get("authorizer_id") in (None, "")
    code, out, err = own_workspace.terraform(
        ".", "plan", "-input=false", "-no-color", "-detailed-exitcode", "-var=name=chat"
    )
    assert code == 0, f"{out}\n{err}"


################################################################################
# The stand-in's rules, each broken by the hand-written fixture
################################################################################

FIXTURE = "tests/plan_apply/fixtures/websocket_authorizer"


@pytest.fixture(scope="module")
def fixture_workspace() -> Iterator[Workspace]:
    """A project copy with the authorizer fixture initialised."""
    with project_copy() as workspace:
        yield initialised(workspace, FIXTURE)


def _apply_fixture(workspace: Workspace, state: str, **variables: Any) -> tuple[int, str]:
    return apply_into_state(workspace, FIXTURE, state, **variables)


BROKEN = {
    "a cache TTL": ({"authorizer_result_ttl_in_seconds": 300}, "authorizerResultTtlInSeconds"),
    "a zero cache TTL": ({"authorizer_result_ttl_in_seconds": 0}, "authorizerResultTtlInSeconds"),
    "simple responses": ({"enable_simple_responses": True}, "enableSimpleResponses"),
    "a payload format": (
        {"authorizer_payload_format_version": "2.0"},
        "authorizerPayloadFormatVersion",
    ),
    "a JWT authorizer": ({"authorizer_type": "JWT"}, "authorizer type JWT"),
    "an HTTP identity source": (
        {"identity_sources": ["$request.header.Authorization"]},
        "invalid identity source $request.header.Authorization",
    ),
    "authorization on $default": (
        {"route_key": "$default"},
        "Currently, authorization is restricted to the $connect route only",
    ),
    "IAM on a custom route": (
        {"route_key": "sendmessage", "authorization_type": "AWS_IAM", "use_authorizer": False},
        "Currently, authorization is restricted to the $connect route only",
    ),
    "CUSTOM without an authorizer": ({"use_authorizer": False}, "a CUSTOM route needs the id"),
}


@standin_only
@pytest.mark.parametrize("case", BROKEN)
def test_the_standin_refuses_what_api_gateway_refuses(
    fixture_workspace: Workspace, case: str
) -> None:
    """Each setting API Gateway refuses for a WebSocket API fails the apply with its reason."""
    variables, message = BROKEN[case]
    code, output = _apply_fixture(fixture_workspace, case.replace(" ", "-"), **variables)
    assert code != 0, output
    assert message in output


@standin_only
def test_the_fixture_within_every_rule_applies(fixture_workspace: Workspace) -> None:
    """The unbroken fixture applies, so each failure above is its own setting's doing; and an
    authorizer id alone on another route is accepted, as AWS does (#40833)."""
    assert _apply_fixture(fixture_workspace, "valid")[0] == 0
    code, output = _apply_fixture(
        fixture_workspace, "bare-id", route_key="sendmessage", authorization_type="NONE"
    )
    assert code == 0, output


@standin_only
def test_http_apis_keep_what_only_they_accept(fixture_workspace: Workspace) -> None:
    """The rules judge WebSocket APIs only: an HTTP API's cached, simple authorizer applies."""
    code, output = _apply_fixture(
        fixture_workspace,
        "http",
        protocol_type="HTTP",
        identity_sources=["$request.header.Authorization"],
        authorizer_result_ttl_in_seconds=300,
        enable_simple_responses=True,
        authorizer_payload_format_version="2.0",
        route_key="GET /items",
    )
    assert code == 0, output
