"""Find what an IAM policy grants beyond an allowed set of resources.

The rule for every function role: no wildcard action at all, and
no wildcard resource except where AWS offers nothing narrower (the two X-Ray
write actions); every other resource is one of the ARNs the function needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["XRAY_ACTIONS", "as_list", "findings"]

# AWS documents no resource-level permissions for these: "*" is the only resource.
XRAY_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})

# A Condition only narrows a grant, so the audit accepts it and judges the rest.
_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})


def as_list(value: str | list[str]) -> list[str]:
    """An IAM `Action` or `Resource`, which may be one string or a list, as a list."""
    return [value] if isinstance(value, str) else list(value)


def findings(policy: dict[str, Any], allowed_resources: Iterable[str]) -> list[str]:
    """Every grant in `policy` that breaks the rule, as readable lines; empty when none.

    Args:
        policy: An IAM policy document, as parsed from JSON.
        allowed_resources: The exact resource ARNs (with their `:*` or `/*`
            suffix) the function may act on.
    """
    allowed = set(allowed_resources)
    found = []
    for statement in policy["Statement"]:
        sid = statement.get("Sid", "?")
        if set(statement) - _KEYS or statement["Effect"] != "Allow":
            found.append(
                f"{sid}: only Allow statements of Action, Resource and Condition are expected"
            )
            continue
        actions = as_list(statement["Action"])
        found += [f"{sid}: wildcard action {action}" for action in actions if "*" in action]
        for resource in as_list(statement["Resource"]):
            if resource == "*" and set(actions) <= XRAY_ACTIONS:
                continue
            if resource not in allowed:
                found.append(f"{sid}: resource {resource} is not one the function needs")
    return found
