"""A custom `wss://` domain, and where `@connections` is reachable in each combination.

The consumer fixture plans the module with each combination of the custom
domain inputs (none; a domain beside API Gateway's own endpoint; a domain with
that endpoint disabled; each with and without an API mapping key). The planned
resources, the functions' `MANAGEMENT_API_ENDPOINT` and the outputs must agree
with AWS's documents:

- API Gateway's own endpoint names the stage:
  `https://{api-id}.execute-api.{region}.{dns-suffix}/{stage}` ("Use
  @connections commands in your backend service").
- On a custom domain the API mapping selects the stage, so no stage follows
  the host: `wss://{domain}/{key}` ("Map API stages to a custom domain name for
  WebSocket APIs"); the Management API's endpoint is then the custom domain and
  its base path (boto3 reference, ApiGatewayManagementApi; boto/botocore#2218),
  and a stage name after the domain is "No method found matching route"
  (aws/aws-lambda-dotnet#553).
- With the default endpoint disabled, the custom domain is the only way in
  ("Disable the default endpoint for WebSocket APIs"; aws/aws-sdk-net#1860).

The applies run through the stand-in, whose `rules/domains.py` refuses what
CreateDomainName and CreateApiMapping refuse; those rules are also judged
directly on planned changes here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_gateway.standin.account import AccountState
from local_gateway.standin.resources import regional_domain_values
from local_gateway.standin.rules import Change, apply_violations, plan_violations
from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    account,
    apply,
    assert_stage_serves_configuration,
    initialised,
    plan_json,
    resource_changes,
    share_account,
    state_values,
)
from tools.standin_workspace import Workspace, choose_source

REGION = "us-east-1"
DOMAIN = "ws.example.com"
CERTIFICATE = f"arn:aws:acm:{REGION}:123456789012:certificate/0f6e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b"
ZONE = "Z0123456789ABCDEFGHIJ"
KEY = "chat"
STAGE = "dev"

API = "module.websocket.module.api.aws_apigatewayv2_api.this"
DOMAIN_MODULE = "module.websocket.module.custom_domain[0]"
DOMAIN_NAME = f"{DOMAIN_MODULE}.aws_apigatewayv2_domain_name.this"
MAPPING = f"{DOMAIN_MODULE}.aws_apigatewayv2_api_mapping.this"
RECORD = f"{DOMAIN_MODULE}.aws_route53_record.this[0]"
FUNCTION = 'module.websocket.module.functions["$default"].aws_lambda_function.this'
ENDPOINT_VARIABLE = "MANAGEMENT_API_ENDPOINT"

standin_only = pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)


def _custom_domain(**inputs: Any) -> str:
    """The `-var` argument giving the consumer's `custom_domain` inputs."""
    return f"-var=custom_domain={json.dumps(inputs)}"


def _domain(*, key: str | None = None, disabled: bool = False, zone: str | None = ZONE) -> str:
    """A custom domain with a certificate of the API's region, optionally a mapping key,
    a hosted zone and the default endpoint disabled."""
    inputs: dict[str, Any] = {"domain_name": DOMAIN, "domain_name_certificate_arn": CERTIFICATE}
    if zone is not None:
        inputs["domain_name_hosted_zone_id"] = zone
    if key is not None:
        inputs["api_mapping_key"] = key
    return _custom_domain(**inputs, disable_execute_api_endpoint=disabled)


def _planned(plan: dict[str, Any], address: str) -> dict[str, Any]:
    return resource_changes(plan)[address]["change"]["after"]


def _output(plan: dict[str, Any], name: str) -> Any:
    return plan["planned_values"]["outputs"][name].get("value")


def _management_endpoint(plan: dict[str, Any]) -> Any:
    """The `MANAGEMENT_API_ENDPOINT` a function is planned with (None while unknown)."""
    return _planned(plan, FUNCTION)["environment"][0]["variables"].get(ENDPOINT_VARIABLE)


def _endpoint_is_unknown(plan: dict[str, Any]) -> bool:
    """Whether the function's endpoint waits for the API's id (known after apply)."""
    unknown = resource_changes(plan)[FUNCTION]["change"]["after_unknown"]
    return unknown.get("environment") is True or bool(
        unknown.get("environment", [{}])[0].get("variables", {}).get(ENDPOINT_VARIABLE)
    )


def test_without_a_domain_nothing_is_created_and_the_default_endpoint_serves(
    consumer_plan: dict[str, Any],
) -> None:
    """No domain inputs: no domain, mapping or record; the API's endpoint stays on; the
    @connections endpoint is the API's own, known once the API's id is."""
    changes = resource_changes(consumer_plan)
    assert not [address for address in changes if "custom_domain" in address]
    assert _planned(consumer_plan, API)["disable_execute_api_endpoint"] is False
    assert _endpoint_is_unknown(consumer_plan)
    assert _output(consumer_plan, "domain_name_invoke_url") is None


@pytest.mark.parametrize("key", [None, KEY], ids=["root", "mapping key"])
def test_domain_beside_the_default_endpoint(consumer: Workspace, key: str | None) -> None:
    """A domain with execute-api on: a REGIONAL TLS 1.2 domain, the stage mapped with the
    key, an alias A record to API Gateway's target, a wss:// URL with no stage; the
    functions keep the default endpoint, which names the stage."""
    plan = plan_json(consumer, CONSUMER, _domain(key=key))
    domain = _planned(plan, DOMAIN_NAME)
    assert domain["domain_name"] == DOMAIN
    configuration = domain["domain_name_configuration"][0]
    assert configuration["certificate_arn"] == CERTIFICATE
    assert configuration["endpoint_type"] == "REGIONAL"
    assert configuration["security_policy"] == "TLS_1_2"
    mapping = _planned(plan, MAPPING)
    assert mapping["stage"] == STAGE
    assert mapping.get("api_mapping_key") == key
    record = _planned(plan, RECORD)
    assert (record["zone_id"], record["name"], record["type"]) == (ZONE, DOMAIN, "A")
    assert _planned(plan, API)["disable_execute_api_endpoint"] is False
    assert _endpoint_is_unknown(plan)
    expected_url = f"wss://{DOMAIN}/{key}" if key else f"wss://{DOMAIN}"
    assert _output(plan, "domain_name_invoke_url") == expected_url


@pytest.mark.parametrize("key", [None, KEY], ids=["root", "mapping key"])
def test_disabled_default_endpoint_sends_connections_through_the_domain(
    consumer: Workspace, key: str | None
) -> None:
    """execute-api off: @connections is the custom domain and the mapping's path, with no
    stage, in the functions' environment and the output alike."""
    plan = plan_json(consumer, CONSUMER, _domain(key=key, disabled=True))
    assert _planned(plan, API)["disable_execute_api_endpoint"] is True
    expected = f"https://{DOMAIN}/{key}" if key else f"https://{DOMAIN}"
    assert _management_endpoint(plan) == expected
    assert _output(plan, "stage_connections_endpoint") == expected
    assert STAGE not in expected.removeprefix("https://").split("/")[1:]


def test_complete_example_sets_every_domain_input(complete_plan: dict[str, Any]) -> None:
    """examples/complete: a domain on a certificate it validates by DNS, the alias record
    in the zone, the stage under /v1, execute-api off and @connections through the domain."""
    assert _planned(complete_plan, API)["disable_execute_api_endpoint"] is True
    mapping = _planned(complete_plan, MAPPING)
    assert (mapping["api_mapping_key"], mapping["stage"]) == ("v1", "prod")
    assert _planned(complete_plan, RECORD)["zone_id"] == ZONE
    domain = resource_changes(complete_plan)[DOMAIN_NAME]["change"]
    assert domain["after"]["domain_name"] == DOMAIN
    assert domain["after_unknown"]["domain_name_configuration"][0]["certificate_arn"] is True
    assert _management_endpoint(complete_plan) == f"https://{DOMAIN}/v1"
    assert _output(complete_plan, "domain_name_invoke_url") == f"wss://{DOMAIN}/v1"


def test_without_a_hosted_zone_no_record_is_made(consumer: Workspace) -> None:
    """DNS made elsewhere: the domain and the mapping, but no Route 53 record."""
    plan = plan_json(consumer, CONSUMER, _domain(zone=None))
    changes = resource_changes(plan)
    assert DOMAIN_NAME in changes
    assert MAPPING in changes
    assert not [address for address in changes if "aws_route53_record" in address]


REFUSED_INPUTS = {
    "upper-case domain": ({"domain_name": "WS.example.com"}, "domain_name must be null or"),
    "wildcard domain": ({"domain_name": "*.example.com"}, "domain_name must be null or"),
    "single label": ({"domain_name": "localhost"}, "domain_name must be null or"),
    "label ending in a hyphen": ({"domain_name": "ws-.example.com"}, "domain_name must be"),
    "not an ACM ARN": (
        {"domain_name": DOMAIN, "domain_name_certificate_arn": "arn:aws:iam::1:role/x"},
        "domain_name_certificate_arn must be null or",
    ),
    "zone with its prefix": (
        {
            "domain_name": DOMAIN,
            "domain_name_certificate_arn": CERTIFICATE,
            "domain_name_hosted_zone_id": f"/hostedzone/{ZONE}",
        },
        "domain_name_hosted_zone_id must be null or",
    ),
    "mapping key with a slash": (
        {
            "domain_name": DOMAIN,
            "domain_name_certificate_arn": CERTIFICATE,
            "api_mapping_key": "a/b",
        },
        "api_mapping_key must be null or",
    ),
    "mapping key too long": (
        {
            "domain_name": DOMAIN,
            "domain_name_certificate_arn": CERTIFICATE,
            "api_mapping_key": "a" * 301,
        },
        "api_mapping_key must be null or",
    ),
    "domain without certificate": ({"domain_name": DOMAIN}, "go together"),
    "certificate without domain": ({"domain_name_certificate_arn": CERTIFICATE}, "go together"),
    "mapping key without domain": ({"api_mapping_key": KEY}, "apply to a custom domain name"),
    "zone without domain": ({"domain_name_hosted_zone_id": ZONE}, "apply to a custom domain"),
    "disabled endpoint without domain": (
        {"disable_execute_api_endpoint": True},
        "disable_execute_api_endpoint = true needs a domain_name",
    ),
    "certificate of another region": (
        {
            "domain_name": DOMAIN,
            "domain_name_certificate_arn": CERTIFICATE.replace(REGION, "eu-west-1"),
        },
        "is in region eu-west-1, but the API is created in us-east-1",
    ),
}


@pytest.mark.parametrize(("inputs", "message"), REFUSED_INPUTS.values(), ids=REFUSED_INPUTS)
def test_bad_domain_inputs_are_refused_at_plan_time(
    consumer: Workspace, inputs: dict[str, Any], message: str
) -> None:
    """Each input that AWS would refuse, or that would leave the API unreachable, stops
    the plan with a message naming the input."""
    code, out, err = consumer.terraform(CONSUMER, "plan", "-no-color", _custom_domain(**inputs))
    assert code != 0
    assert message in " ".join((out + err).split())


# One stack for both: the apply with the domain is the one the removal starts from.
@standin_only
def test_apply_with_the_default_endpoint_disabled_then_without_the_domain(
    own_workspace: Workspace,
) -> None:
    """Applied: the stage serves its routes, the domain has API Gateway's documented target,
    the record aliases it, the mapping serves the stage, and the functions and the output
    send @connections through https://<domain>/<key>. Then removing the domain inputs
    destroys domain, mapping and record, turns execute-api back on, and points the
    functions at the API's own endpoint and stage."""
    initialised(own_workspace, CONSUMER)
    apply(own_workspace, CONSUMER, _domain(key=KEY, disabled=True))
    assert_stage_serves_configuration(own_workspace, {"$connect", "$disconnect", "$default"})
    state = state_values(own_workspace, CONSUMER)
    configuration = state[DOMAIN_NAME]["domain_name_configuration"][0]
    documented = regional_domain_values(DOMAIN, REGION)
    assert configuration["target_domain_name"] == documented["target_domain_name"]
    assert configuration["target_domain_name"].endswith(f".execute-api.{REGION}.amazonaws.com")
    alias = state[RECORD]["alias"][0]
    assert (alias["name"], alias["zone_id"]) == (
        configuration["target_domain_name"],
        configuration["hosted_zone_id"],
    )
    mapping = state[MAPPING]
    assert (mapping["api_id"], mapping["stage"]) == (state[API]["id"], STAGE)
    assert state[API]["disable_execute_api_endpoint"] is True
    endpoint = state[FUNCTION]["environment"][0]["variables"][ENDPOINT_VARIABLE]
    assert endpoint == f"https://{DOMAIN}/{KEY}"
    outputs = json.loads(own_workspace.terraform(CONSUMER, "output", "-json")[1])
    assert outputs["stage_connections_endpoint"]["value"] == endpoint
    assert outputs["domain_name_invoke_url"]["value"] == f"wss://{DOMAIN}/{KEY}"

    apply(own_workspace, CONSUMER)
    state = state_values(own_workspace, CONSUMER)
    assert not [address for address in state if "custom_domain" in address]
    assert state[API]["disable_execute_api_endpoint"] is False
    endpoint = state[FUNCTION]["environment"][0]["variables"][ENDPOINT_VARIABLE]
    assert endpoint == f"https://{state[API]['id']}.execute-api.{REGION}.amazonaws.com/{STAGE}"
    assert not account(own_workspace, CONSUMER).of_type("aws_apigatewayv2_domain_name")


@standin_only
def test_a_domain_name_taken_in_the_account_is_refused(
    own_workspace: Workspace, other_workspace: Workspace
) -> None:
    """A second stack in the same account and region cannot create the same domain name."""
    initialised(own_workspace, CONSUMER)
    initialised(other_workspace, CONSUMER)
    share_account(own_workspace, CONSUMER, other_workspace, CONSUMER)
    apply(own_workspace, CONSUMER, _domain())
    code, _out, err = other_workspace.terraform(
        CONSUMER, "apply", "-input=false", "-no-color", "-auto-approve", _domain()
    )
    assert code != 0
    assert "The domain name you provided already exists" in " ".join(err.split())


# The stand-in's rules, judged directly on planned changes.


def _change(type_name: str, after: dict[str, Any], region: str = REGION) -> Change:
    return Change(type_name, None, after, after, region, AWS_VERSION)


def _domain_state(
    name: str = DOMAIN, certificate: str = CERTIFICATE, **configuration: str
) -> dict[str, Any]:
    block = {
        "certificate_arn": certificate,
        "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2",
    }
    return {"id": name, "domain_name": name, "domain_name_configuration": [block | configuration]}


def _live(*, protocol: str = "WEBSOCKET", domain: dict[str, Any] | None = None) -> AccountState:
    """An account with API `api` (its stage `dev`) and the domain name."""
    live = AccountState()
    live.record(
        "aws_apigatewayv2_api", "create", "api", REGION, {"id": "api", "protocol_type": protocol}
    )
    live.record("aws_apigatewayv2_stage", "create", "dev", REGION, {"api_id": "api", "name": STAGE})
    domain = domain or _domain_state()
    live.record("aws_apigatewayv2_domain_name", "create", domain["id"], REGION, domain)
    return live


def _mapping(key: str | None = None, api: str = "api", mapping_id: str = "m1") -> dict[str, Any]:
    return {
        "id": mapping_id,
        "api_id": api,
        "domain_name": DOMAIN,
        "stage": STAGE,
        "api_mapping_key": key,
    }


def _details(violations: list[Any]) -> list[str]:
    return [violation.detail for violation in violations]


def test_rule_certificate_must_be_in_the_domains_region_and_account() -> None:
    """CreateDomainName refuses another region's certificate, naming the region it needs,
    and another account's; the same certificate in its own region is accepted."""
    other_region = _domain_state(certificate=CERTIFICATE.replace(REGION, "eu-west-1"))
    refused = _details(
        apply_violations(_change("aws_apigatewayv2_domain_name", other_region), AccountState())
    )
    assert refused == [
        "BadRequestException: Invalid certificate ARN: "
        f"{CERTIFICATE.replace(REGION, 'eu-west-1')}. Certificate must be in '{REGION}'."
    ]
    accepted = _change("aws_apigatewayv2_domain_name", other_region, region="eu-west-1")
    assert apply_violations(accepted, AccountState()) == []
    other_account = _domain_state(certificate=CERTIFICATE.replace("123456789012", "210987654321"))
    assert (
        "Cross-account"
        in _details(
            apply_violations(_change("aws_apigatewayv2_domain_name", other_account), AccountState())
        )[0]
    )


def test_rule_domain_name_exists_once_per_region() -> None:
    """A name taken in the region is refused; the same name in another region is not."""
    live = _live()
    taken = _change("aws_apigatewayv2_domain_name", _domain_state())
    assert _details(apply_violations(taken, live)) == [
        "ConflictException: The domain name you provided already exists."
    ]
    elsewhere = _domain_state(certificate=CERTIFICATE.replace(REGION, "eu-west-1"))
    assert (
        apply_violations(_change("aws_apigatewayv2_domain_name", elsewhere, "eu-west-1"), live)
        == []
    )


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("chat", True),
        ("v1.$x_(y)-z+!*'", True),
        ("a" * 300, True),
        ("a/b", False),
        ("a b", False),
        ("a" * 301, False),
        ("é", False),
    ],
)
def test_rule_mapping_key_characters(key: str, accepted: bool) -> None:
    """Letters, digits and $-_.+!*'(), at most 300 characters."""
    violations = plan_violations(_change("aws_apigatewayv2_api_mapping", _mapping(key)))
    assert (violations == []) is accepted


def test_rule_mapping_needs_domain_api_and_stage() -> None:
    """CreateApiMapping refuses a domain, API or stage that does not exist yet."""
    assert apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping()), _live()) == []
    missing_domain = _details(
        apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping()), AccountState())
    )
    assert missing_domain[0].startswith("NotFoundException: Unable to find DomainName")
    live = _live()
    live.record("aws_apigatewayv2_stage", "delete", "dev", REGION, None)
    assert _details(
        apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping()), live)
    ) == [f"NotFoundException: Invalid stage identifier specified {STAGE}"]


def test_rule_mapping_key_is_unique_on_its_domain() -> None:
    """Two mappings with the same key on one domain conflict; another key does not."""
    live = _live()
    live.record(
        "aws_apigatewayv2_api_mapping", "create", "m0", REGION, _mapping(KEY, mapping_id="m0")
    )
    clash = _details(apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping(KEY)), live))
    assert clash == ["ConflictException: The API mapping key you provided is already in use"]
    assert apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping("other")), live) == []


def test_rule_websocket_api_needs_a_regional_tls_1_2_domain_of_its_own() -> None:
    """A WebSocket API maps only onto a Regional TLS 1.2 domain that maps no HTTP/REST API."""
    old_tls = _live(domain=_domain_state(security_policy="TLS_1_0"))
    assert (
        "TLS_1_2"
        in _details(apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping()), old_tls))[
            0
        ]
    )
    shared = _live()
    shared.record(
        "aws_apigatewayv2_api", "create", "http", REGION, {"id": "http", "protocol_type": "HTTP"}
    )
    shared.record(
        "aws_apigatewayv2_api_mapping", "create", "m0", REGION, _mapping("rest", "http", "m0")
    )
    refused = _details(
        apply_violations(_change("aws_apigatewayv2_api_mapping", _mapping(KEY)), shared)
    )
    assert refused == [
        "BadRequestException: A custom domain name mapped to a WebSocket API can't be mapped to "
        "a REST API or an HTTP API"
    ]


def test_standin_gives_the_domain_the_documented_target_and_zone() -> None:
    """d-<id>.execute-api.<region>.<suffix>, the region's API Gateway zone, in China too."""
    values = regional_domain_values(DOMAIN, REGION)
    assert values["hosted_zone_id"] == "Z1UJRXOUMOOFQ8"
    prefix, rest = values["target_domain_name"].split(".", 1)
    assert prefix.startswith("d-")
    assert len(prefix) == len("d-") + 10
    assert rest == f"execute-api.{REGION}.amazonaws.com"
    china = regional_domain_values(DOMAIN, "cn-north-1")
    assert china["target_domain_name"].endswith(".execute-api.cn-north-1.amazonaws.com.cn")
    assert china["arn"] == f"arn:aws-cn:apigateway:cn-north-1::/domainnames/{DOMAIN}"
