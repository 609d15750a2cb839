"""Plan and apply for managed resources, without a cloud behind them.

Plan follows Terraform's contract for a provider that changes nothing on its
own: the planned state is the proposed new state, except that computed
attributes the configuration leaves null become unknown on create, and
write-only attributes are never stored. Apply replaces each remaining unknown
with a deterministic placeholder, so that applying the same configuration
twice yields the same state and a second plan is empty.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local_gateway.standin.cty import UNKNOWN, CtyType, Dynamic
from local_gateway.standin.schema import attribute_type

__all__ = [
    "ACCOUNT_ID",
    "PARTITION",
    "REGION",
    "Partition",
    "fill_computed",
    "mark_computed_unknown",
    "partition_of",
    "placeholders",
    "regional_domain_values",
]

# The fixed identity of the stand-in's make-believe AWS account (see README.md here).
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"


@dataclass(frozen=True)
class Partition:
    """An AWS partition: its name in ARNs and the DNS suffix of its endpoints."""

    name: str
    dns_suffix: str


def partition_of(region: str) -> Partition:
    """The partition a region belongs to (AWS General Reference, "AWS partitions")."""
    if region.startswith("cn-"):
        return Partition("aws-cn", "amazonaws.com.cn")
    if region.startswith("us-gov-"):
        return Partition("aws-us-gov", "amazonaws.com")
    return Partition(PARTITION, "amazonaws.com")


# Attributes whose value reads as the resource's own name, best first.
_NAME_ATTRIBUTES = ("name", "function_name", "route_key", "stage_name", "bucket", "role")


def _each_object(nesting: str, value: Any) -> list[dict[str, Any]]:
    """The objects a nested block or nested attribute holds, whatever its nesting."""
    if value is None or value is UNKNOWN:
        return []
    if nesting in ("single", "group"):
        return [value]
    if nesting == "map":
        return [item for item in value.values() if isinstance(item, dict)]
    return [item for item in value if isinstance(item, dict)]


def _walk_computed(
    block: dict[str, Any],
    value: dict[str, Any],
    fill: Callable[[str, dict[str, Any], Any], Any],
) -> None:
    """Call `fill(name, attribute, current)` on each attribute, down every nested object."""
    for name, attribute in block.get("attributes", {}).items():
        value[name] = fill(name, attribute, value.get(name))
        nested = attribute.get("nested_type")
        if nested:
            for item in _each_object(nested["nesting_mode"], value[name]):
                _walk_computed(nested, item, fill)
    for name, nested in block.get("block_types", {}).items():
        for item in _each_object(nested["nesting_mode"], value.get(name)):
            _walk_computed(nested["block"], item, fill)


def mark_computed_unknown(block: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """Plan a create: computed attributes left null become unknown, write-only ones null."""

    def fill(_name: str, attribute: dict[str, Any], current: Any) -> Any:
        if attribute.get("write_only"):
            return None
        if attribute.get("computed") and current is None:
            return UNKNOWN
        return current

    _walk_computed(block, proposed, fill)
    return proposed


def _resource_label(type_name: str, planned: dict[str, Any]) -> str:
    """A stable name for the resource: its own name attribute, else a hash of its settings."""
    for attribute in _NAME_ATTRIBUTES:
        value = planned.get(attribute)
        if isinstance(value, str):
            return value
    known = {k: v for k, v in planned.items() if v is not UNKNOWN and not isinstance(v, Dynamic)}
    digest = hashlib.sha256(json.dumps([type_name, known], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:10]


def _derived_values(type_name: str, values: dict[str, Any], region: str) -> dict[str, Any]:
    """Computed values whose form AWS documents, so that code built on them is checked.

    Endpoints and execution ARNs as the API Gateway developer guide gives them
    ("Invoking a WebSocket API", "Control access to a WebSocket API with IAM"),
    in the region's partition; a role's ARN as the IAM User Guide's "IAM
    identifiers" gives it (global: no region); a log group's as the provider
    returns it, without the `:*` the CloudWatch Logs API appends.
    """
    partition = partition_of(region)
    host = f"execute-api.{region}.{partition.dns_suffix}"
    execute_api = f"arn:{partition.name}:execute-api:{region}:{ACCOUNT_ID}"
    if type_name == "aws_apigatewayv2_api":
        scheme = "wss" if values.get("protocol_type") == "WEBSOCKET" else "https"
        return {
            "api_endpoint": f"{scheme}://{values['id']}.{host}",
            "execution_arn": f"{execute_api}:{values['id']}",
            "arn": f"arn:{partition.name}:apigateway:{region}::/apis/{values['id']}",
        }
    if type_name == "aws_apigatewayv2_stage" and isinstance(values.get("api_id"), str):
        api, stage = values["api_id"], values.get("name")
        return {
            "invoke_url": f"wss://{api}.{host}/{stage}",
            "execution_arn": f"{execute_api}:{api}/{stage}",
            "arn": f"arn:{partition.name}:apigateway:{region}::/apis/{api}/stages/{stage}",
        }
    if type_name == "aws_iam_role" and isinstance(values.get("name"), str):
        path = values.get("path") if isinstance(values.get("path"), str) else "/"
        return {"arn": f"arn:{partition.name}:iam::{ACCOUNT_ID}:role{path}{values['name']}"}
    if type_name == "aws_cloudwatch_log_group" and isinstance(values.get("name"), str):
        logs = f"arn:{partition.name}:logs:{region}:{ACCOUNT_ID}"
        return {"arn": f"{logs}:log-group:{values['name']}"}
    if type_name == "aws_lambda_function":
        arn = f"arn:{partition.name}:lambda:{region}:{ACCOUNT_ID}:function:{values['id']}"
        return {
            "arn": arn,
            "qualified_arn": f"{arn}:$LATEST",
            "invoke_arn": (
                f"arn:{partition.name}:apigateway:{region}:lambda:path/2015-03-31/functions/"
                f"{arn}/invocations"
            ),
        }
    return _monitoring_values(type_name, values, region)


def _monitoring_values(type_name: str, values: dict[str, Any], region: str) -> dict[str, Any]:
    """CloudWatch's and SNS's ARNs (Service Authorization Reference, Amazon
    CloudWatch and Amazon SNS, resource types): an alarm's is regional; a
    dashboard's has no region, as dashboards are global to the account
    (PutDashboard); a topic's is `arn:<partition>:sns:<region>:<account>:<name>`,
    which the provider also uses as the topic's id."""
    partition = partition_of(region)
    if type_name == "aws_sns_topic" and isinstance(values.get("name"), str):
        arn = f"arn:{partition.name}:sns:{region}:{ACCOUNT_ID}:{values['name']}"
        return {"arn": arn, "id": arn}
    if type_name == "aws_cloudwatch_metric_alarm" and isinstance(values.get("alarm_name"), str):
        cloudwatch = f"arn:{partition.name}:cloudwatch:{region}:{ACCOUNT_ID}"
        return {"arn": f"{cloudwatch}:alarm:{values['alarm_name']}"}
    if type_name == "aws_cloudwatch_dashboard" and isinstance(values.get("dashboard_name"), str):
        dashboard = f"arn:{partition.name}:cloudwatch::{ACCOUNT_ID}:dashboard/"
        return {"dashboard_arn": f"{dashboard}{values['dashboard_name']}"}
    return {}


# Route 53 hosted zones of API Gateway's Regional endpoints, by region (AWS
# General Reference, "Amazon API Gateway endpoints and quotas", Route 53 Hosted
# Zone ID column); other regions get an ID of the same form.
_API_GATEWAY_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
}


def regional_domain_values(domain_name: str, region: str) -> dict[str, Any]:
    """What CreateDomainName returns for a Regional custom domain name.

    The domain's id is its name (the provider's `d.SetId(domainName)`); API
    Gateway's own name for it is `d-<id>.execute-api.<region>.<suffix>`, with
    the Route 53 hosted zone of the region's Regional endpoints (API Gateway
    developer guide, "Set up a Regional custom domain name in API Gateway" and
    the `ApiGatewayDomainName`/`HostedZoneId` of its create-domain-name output).
    """
    digest = hashlib.sha256(f"{region}/{domain_name}".encode()).hexdigest()
    partition = partition_of(region)
    zone = _API_GATEWAY_ZONES.get(region, "Z" + digest[:13].upper())
    return {
        "id": domain_name,
        "arn": f"arn:{partition.name}:apigateway:{region}::/domainnames/{domain_name}",
        "api_mapping_selection_expression": "$request.basepath",
        "target_domain_name": f"d-{digest[:10]}.execute-api.{region}.{partition.dns_suffix}",
        "hosted_zone_id": zone,
    }


def placeholders(
    type_name: str, planned: dict[str, Any], region: str = REGION
) -> Callable[[str, CtyType], Any]:
    """Make the function giving a placeholder for attribute `name` of type `ty`.

    Strings read like what they stand for: `id` is the resource's label, `*arn`
    an ARN of the fixed account and region built from the type and label, and
    the values whose form AWS documents have that form (`_derived_values`).
    """
    label = _resource_label(type_name, planned)
    service = type_name.split("_")[1] if "_" in type_name else type_name
    kind = type_name.split("_", 2)[-1]
    partition = partition_of(region).name
    own_id = planned.get("id")
    known = {**planned, "id": own_id if isinstance(own_id, str) else label}
    derived = _derived_values(type_name, known, region)
    if type_name == "aws_apigatewayv2_domain_name" and isinstance(planned.get("domain_name"), str):
        derived = regional_domain_values(planned["domain_name"], region)

    def placeholder(name: str, ty: CtyType) -> Any:
        kind_of_type = ty if isinstance(ty, str) else ty[0]
        if name in derived:
            return derived[name]
        if kind_of_type == "string":
            if name.endswith("arn"):
                return f"arn:{partition}:{service}:{region}:{ACCOUNT_ID}:{kind}/{label}"
            if name == "id":
                return label
            return f"{label}-{name}"
        if kind_of_type == "object":
            return {n: placeholder(n, t) for n, t in ty[1].items()}
        return {"number": 0, "bool": False, "map": {}, "list": [], "set": []}.get(kind_of_type)

    return placeholder


def fill_computed(
    type_name: str, block: dict[str, Any], planned: dict[str, Any], region: str = REGION
) -> dict[str, Any]:
    """Apply: give every attribute still unknown its deterministic placeholder in `region`."""
    placeholder = placeholders(type_name, planned, region)

    def fill(name: str, attribute: dict[str, Any], current: Any) -> Any:
        if current is UNKNOWN:
            return placeholder(name, attribute_type(attribute))
        return current

    _walk_computed(block, planned, fill)
    return planned
