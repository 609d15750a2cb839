"""Data sources: fixed answers where AWS would be asked, real work where it is local.

`archive_file` builds the real zip. The AWS identity data sources answer with
the stand-in's fixed account (`123456789012`), region (`us-east-1`, or the one
configured) and partition (`aws`). `aws_iam_policy_document` renders the policy
JSON from its statements. Any other data source gets placeholders for its
computed attributes, as apply does for resources.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from local_gateway.standin.archive import read_archive_file
from local_gateway.standin.resources import (
    ACCOUNT_ID,
    PARTITION,
    REGION,
    fill_computed,
    mark_computed_unknown,
    partition_of,
)

__all__ = ["read_data_source"]


def _caller_identity(config: dict[str, Any]) -> dict[str, Any]:
    return {
        **config,
        "id": ACCOUNT_ID,
        "account_id": ACCOUNT_ID,
        "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/standin",
        "user_id": "AIDASTANDINPROVIDER",
    }


def _region(config: dict[str, Any], configured: str) -> dict[str, Any]:
    region = config.get("region") or config.get("name") or configured
    state = {**config, "id": region, "name": region, "description": "Stand-in region"}
    state["endpoint"] = f"ec2.{region}.{partition_of(region).dns_suffix}"
    if "region" in config:
        state["region"] = region
    return state


def _partition(config: dict[str, Any], region: str) -> dict[str, Any]:
    partition = partition_of(region)
    return {
        **config,
        "id": partition.name,
        "partition": partition.name,
        "dns_suffix": partition.dns_suffix,
        "reverse_dns_prefix": ".".join(reversed(partition.dns_suffix.split("."))),
    }


def _one_or_many(values: list[str] | None) -> str | list[str] | None:
    """IAM's own shorthand, which the provider follows: one value is a string, more a list."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[0] if len(ordered) == 1 else ordered


def _principals(blocks: list[dict[str, Any]] | None) -> dict[str, Any] | str | None:
    if not blocks:
        return None
    if len(blocks) == 1 and blocks[0]["type"] == "*" and blocks[0]["identifiers"] == ["*"]:
        return "*"
    return {b["type"]: _one_or_many(b["identifiers"]) for b in blocks}


def _statement(block: dict[str, Any]) -> dict[str, Any]:
    conditions: dict[str, dict[str, Any]] = {}
    for condition in block.get("condition") or []:
        conditions.setdefault(condition["test"], {})[condition["variable"]] = _one_or_many(
            condition["values"]
        )
    rendered = {
        "Sid": block.get("sid"),
        "Effect": block.get("effect") or "Allow",
        "Action": _one_or_many(block.get("actions")),
        "NotAction": _one_or_many(block.get("not_actions")),
        "Resource": _one_or_many(block.get("resources")),
        "NotResource": _one_or_many(block.get("not_resources")),
        "Principal": _principals(block.get("principals")),
        "NotPrincipal": _principals(block.get("not_principals")),
        "Condition": conditions or None,
    }
    return {key: value for key, value in rendered.items() if value is not None}


def _policy_document(config: dict[str, Any]) -> dict[str, Any]:
    document = {
        "Version": config.get("version") or "2012-10-17",
        "Id": config.get("policy_id"),
        "Statement": [_statement(block) for block in config.get("statement") or []],
    }
    document = {key: value for key, value in document.items() if value is not None}
    pretty = json.dumps(document, indent=2)
    return {
        **config,
        "id": str(int(hashlib.sha256(pretty.encode()).hexdigest()[:8], 16)),
        "json": pretty,
        "minified_json": json.dumps(document, separators=(",", ":")),
    }


_READERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "archive_file": read_archive_file,
    "aws_caller_identity": _caller_identity,
    "aws_iam_policy_document": _policy_document,
}

_REGIONAL_READERS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "aws_region": _region,
    "aws_partition": _partition,
}


def read_data_source(
    type_name: str, block: dict[str, Any], config: dict[str, Any], region: str = REGION
) -> dict[str, Any]:
    """The state of data source `type_name` read with `config` in the provider's `region`.

    Raises:
        ArchiveError: `archive_file` cannot build the archive it is asked for.
    """
    if type_name in _REGIONAL_READERS:
        state = _REGIONAL_READERS[type_name](dict(config), region)
    else:
        reader = _READERS.get(type_name)
        state = reader(dict(config)) if reader else dict(config)
    # Computed attributes a reader leaves null get a placeholder, as apply gives resources.
    return fill_computed(type_name, block, mark_computed_unknown(block, state), region)
