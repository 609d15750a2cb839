"""API Gateway custom domain names: what CreateDomainName and CreateApiMapping refuse.

- A Regional domain name serves an ACM certificate of its own region and account
  only.
- A domain name exists once per account and region.
- An API mapping's key is letters, digits and `$-_.+!*'()`, at most 300
  characters, and unique on its domain; the domain, the API and the stage must
  exist first; a WebSocket API needs a Regional, TLS 1.2 domain that maps no
  REST or HTTP API.

`local_gateway/standin/resources.py` (`regional_domain_values`) gives a created
domain name the target domain name and hosted zone that AWS documents; an ACM
certificate validated by DNS gets the validation records it asks for.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from local_gateway.standin.account import AccountState
from local_gateway.standin.cty import UNKNOWN
from local_gateway.standin.resources import ACCOUNT_ID
from local_gateway.standin.rules import (
    Change,
    Violation,
    apply_rule,
    force_new,
    plan_adjustment,
    plan_rule,
)

__all__ = [
    "api_mapping_key_format",
    "dns_validation_records",
    "domain_certificate_in_region_and_account",
    "domain_name_unique_in_region",
    "mapping_fits_its_domain",
]

# hashicorp/terraform-provider-aws, internal/service/apigatewayv2/domain_name.go
# and api_mapping.go: `ForceNew: true` on the domain's name and the mapping's domain.
force_new("aws_apigatewayv2_domain_name", "domain_name")
force_new("aws_apigatewayv2_api_mapping", "domain_name")

_CERTIFICATE_SOURCE = (
    "AWS Knowledge Center, 'How do I define a custom domain name for my API Gateway API?' "
    "(Regional custom domain names must use a certificate in the API's Region); the error as "
    "CreateDomainName returns it: amplify-education/serverless-domain-manager#49 (region) "
    "and #64 (cross-account)"
)
_DOMAIN_SOURCE = (
    "API Gateway developer guide, 'Set up a Regional custom domain name in API Gateway' "
    "(a name is created once per account and Region; Regional names may repeat across Regions: "
    "AWS Knowledge Center, 'How do I define a custom domain name for my API Gateway API?')"
)
_MAPPING_SOURCE = (
    "API Gateway developer guide, 'Map API stages to a custom domain name for WebSocket APIs', "
    "Restrictions, and 'Custom domain names for WebSocket APIs in API Gateway', Considerations"
)

# "API mappings must contain only letters, numbers, and the following
# characters: $-_.+!*'()"; "The maximum length for the path in an API mapping
# is 300 characters."
_MAPPING_KEY = re.compile(r"[A-Za-z0-9$\-_.+!*'()]{1,300}")


def _configuration(state: dict[str, Any]) -> dict[str, Any]:
    """The domain's one `domain_name_configuration` block, or an empty one."""
    blocks = state.get("domain_name_configuration") or []
    return blocks[0] if blocks and isinstance(blocks[0], dict) else {}


def _mapping_key(state: dict[str, Any]) -> str:
    """A mapping's key; no key and an empty one both map the domain's root."""
    key = state.get("api_mapping_key")
    return key if isinstance(key, str) else ""


@plan_rule("aws_apigatewayv2_api_mapping")
def api_mapping_key_format(change: Change) -> Iterable[Violation]:
    """The key is letters, digits and `$-_.+!*'()`, at most 300 characters."""
    key = change.after.get("api_mapping_key")
    if change.action == "delete" or not isinstance(key, str) or key == "":
        return
    if not _MAPPING_KEY.fullmatch(key):
        yield Violation(
            summary="invalid api_mapping_key",
            detail=(
                f"BadRequestException: API mapping key {key!r} is invalid: an API mapping may "
                "contain only letters, numbers and $-_.+!*'(), at most 300 characters"
            ),
            source=_MAPPING_SOURCE,
        )


def _arn_fields(arn: Any) -> list[str]:
    """The colon-separated fields of an ARN (six at least), or none."""
    fields = arn.split(":", 5) if isinstance(arn, str) else []
    return fields if len(fields) == 6 and fields[0] == "arn" else []


@apply_rule("aws_apigatewayv2_domain_name")
def domain_certificate_in_region_and_account(
    change: Change, _account: AccountState
) -> Iterable[Violation]:
    """A Regional domain name's certificate is in its region and account."""
    if change.action == "delete":
        return
    configuration = _configuration(change.after)
    fields = _arn_fields(configuration.get("certificate_arn"))
    if configuration.get("endpoint_type") != "REGIONAL" or not fields:
        return
    region = change.resource_region
    summary = f"creating API Gateway v2 Domain Name ({change.after.get('domain_name')})"
    if fields[3] != region:
        yield Violation(
            summary=summary,
            detail=(
                "BadRequestException: Invalid certificate ARN: "
                f"{configuration['certificate_arn']}. Certificate must be in '{region}'."
            ),
            source=_CERTIFICATE_SOURCE,
        )
    elif fields[4] != ACCOUNT_ID:
        yield Violation(
            summary=summary,
            detail="BadRequestException: Cross-account certificate references are not allowed.",
            source=_CERTIFICATE_SOURCE,
        )


@apply_rule("aws_apigatewayv2_domain_name")
def domain_name_unique_in_region(change: Change, account: AccountState) -> Iterable[Violation]:
    """A domain name is created once per account and region."""
    name = change.after.get("domain_name")
    if change.action != "create" or not isinstance(name, str):
        return
    if name in account.of_type("aws_apigatewayv2_domain_name", change.resource_region):
        yield Violation(
            summary=f"creating API Gateway v2 Domain Name ({name})",
            detail="ConflictException: The domain name you provided already exists.",
            source=_DOMAIN_SOURCE,
        )


def _state(account: AccountState, type_name: str, region: str, **match: Any) -> dict | None:
    """The state of the first `type_name` in `region` whose attributes equal `match`."""
    for record in account.of_type(type_name, region).values():
        if all(record["state"].get(name) == value for name, value in match.items()):
            return record["state"]
    return None


def _mapping_problems(change: Change, account: AccountState) -> Iterator[str]:
    """Why CreateApiMapping or UpdateApiMapping would refuse the mapping, if it would."""
    mapping, region = change.after, change.resource_region
    domain = _state(account, "aws_apigatewayv2_domain_name", region, id=mapping.get("domain_name"))
    api = _state(account, "aws_apigatewayv2_api", region, id=mapping.get("api_id"))
    if domain is None:
        yield f"NotFoundException: Unable to find DomainName {mapping.get('domain_name')}"
        return
    if api is None:
        yield f"NotFoundException: Invalid API identifier specified {mapping.get('api_id')}"
        return
    stage = _state(
        account, "aws_apigatewayv2_stage", region, api_id=api["id"], name=mapping.get("stage")
    )
    if stage is None:
        yield f"NotFoundException: Invalid stage identifier specified {mapping.get('stage')}"
    configuration = _configuration(domain)
    if api.get("protocol_type") == "WEBSOCKET" and (
        configuration.get("endpoint_type") != "REGIONAL"
        or configuration.get("security_policy") != "TLS_1_2"
    ):
        yield (
            "BadRequestException: A WebSocket API can be mapped only to a Regional custom "
            "domain name with security policy TLS_1_2"
        )
    for record in account.of_type("aws_apigatewayv2_api_mapping", region).values():
        other = record["state"]
        if other.get("id") == mapping.get("id") or other.get("domain_name") != domain["id"]:
            continue
        if _mapping_key(other) == _mapping_key(mapping):
            yield "ConflictException: The API mapping key you provided is already in use"
        other_api = _state(account, "aws_apigatewayv2_api", region, id=other.get("api_id"))
        if other_api and (other_api.get("protocol_type") == "WEBSOCKET") != (
            api.get("protocol_type") == "WEBSOCKET"
        ):
            yield (
                "BadRequestException: A custom domain name mapped to a WebSocket API can't "
                "be mapped to a REST API or an HTTP API"
            )


@apply_rule("aws_apigatewayv2_api_mapping")
def mapping_fits_its_domain(change: Change, account: AccountState) -> Iterable[Violation]:
    """The domain, API and stage exist; the key is free; the domain suits a WebSocket API."""
    if change.action == "delete":
        return
    for problem in _mapping_problems(change, account):
        yield Violation(
            summary=f"creating API Gateway v2 API Mapping ({change.after.get('domain_name')})",
            detail=problem,
            source=_MAPPING_SOURCE,
        )


def _validation_record(name: str) -> dict[str, str]:
    """The CNAME that ACM asks for to validate `name` by DNS.

    ACM User Guide, "AWS Certificate Manager DNS validation": a record named
    `_<token>.<domain>.` whose value is `_<token>.acm-validations.aws.`; a
    wildcard name is validated by the record of the name it covers.
    """
    domain = name.removeprefix("*.")
    token = hashlib.sha256(domain.encode()).hexdigest()
    return {
        "domain_name": name,
        "resource_record_name": f"_{token[:32]}.{domain}.",
        "resource_record_type": "CNAME",
        "resource_record_value": f"_{token[32:64]}.acm-validations.aws.",
    }


@plan_adjustment("aws_acm_certificate")
def dns_validation_records(change: Change) -> dict[str, Any]:
    """A new certificate validated by DNS plans one validation option per name.

    The provider's CustomizeDiff plans `domain_validation_options` with each
    `domain_name` known (the domain and its alternative names), so that the
    provider's documented `for_each` over it, keyed by domain name, plans
    (hashicorp/terraform-provider-aws, internal/service/acm/certificate.go and
    the aws_acm_certificate_validation docs' DNS example). The stand-in knows
    the record's name and value at plan too, where the real provider leaves
    them to apply: it has no other moment to fill values inside a set.
    """
    planned = dict(change.planned or {})
    if (
        change.prior is not None
        or planned.get("validation_method") != "DNS"
        or planned.get("domain_validation_options") is not UNKNOWN
        or not isinstance(planned.get("domain_name"), str)
    ):
        return planned
    alternatives = planned.get("subject_alternative_names")
    names = [planned["domain_name"]]
    if isinstance(alternatives, list):
        names += sorted(name for name in alternatives if isinstance(name, str))
    planned["domain_validation_options"] = [_validation_record(n) for n in dict.fromkeys(names)]
    return planned
