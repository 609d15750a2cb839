"""A checker for CloudWatch's embedded metric format, written from its specification.

"Specification: Embedded metric format", Amazon CloudWatch User Guide
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
the log event is one JSON object; its root has `_aws` with `Timestamp` (milliseconds
since the epoch) and `CloudWatchMetrics`, a list of MetricDirectives; a directive has
`Namespace`, `Dimensions` (a list of DimensionSets, each a list of at most 30 names of
root members whose values are strings) and `Metrics` (at most 100 MetricDefinitions:
`Name` of a root member holding a number or a list of numbers, an optional `Unit`
among MetricDatum's units and an optional `StorageResolution` of 1 or 60); objects the
specification defines carry no other members. The units are MetricDatum's
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["UNITS", "emf_lines", "emf_violations"]

UNITS = frozenset(
    {
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    }
)
_DIRECTIVE = {"Namespace", "Dimensions", "Metrics"}
_DEFINITION = {"Name", "Unit", "StorageResolution"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def emf_violations(line: str) -> list[str]:
    """Everything in one log line that keeps CloudWatch from extracting its metrics."""
    try:
        root = json.loads(line)
    except ValueError:
        return ["the line is not one JSON document"]
    if not isinstance(root, dict):
        return ["the root is not a JSON object"]
    meta = root.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object at the root"]
    problems = []
    timestamp = meta.get("Timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 10**12:
        problems.append(f"_aws.Timestamp {timestamp!r} is not milliseconds since the epoch")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*problems, "_aws.CloudWatchMetrics is not a non-empty list"]
    for directive in directives:
        problems.extend(_directive_violations(root, directive))
    return problems


def _directive_violations(root: dict[str, Any], directive: Any) -> list[str]:
    """What is wrong with one MetricDirective, given the root its names refer to."""
    if not isinstance(directive, dict) or set(directive) != _DIRECTIVE:
        return [f"a directive must have exactly {sorted(_DIRECTIVE)}: {directive!r}"]
    problems = []
    if not isinstance(directive["Namespace"], str) or not directive["Namespace"]:
        problems.append("Namespace is not a non-empty string")
    for dimension_set in directive["Dimensions"]:
        if not isinstance(dimension_set, list) or len(dimension_set) > 30:
            problems.append(f"a dimension set is not a list of at most 30: {dimension_set!r}")
            continue
        problems.extend(
            f"dimension {name!r} is not a string member of the root"
            for name in dimension_set
            if not isinstance(root.get(name), str)
        )
    definitions = directive["Metrics"]
    if not isinstance(definitions, list) or not 1 <= len(definitions) <= 100:
        return [*problems, "Metrics is not a list of 1 to 100 definitions"]
    for definition in definitions:
        problems.extend(_definition_violations(root, definition))
    return problems


def _definition_violations(root: dict[str, Any], definition: Any) -> list[str]:
    """What is wrong with one MetricDefinition, given the root its name refers to."""
    if not isinstance(definition, dict) or not set(definition) <= _DEFINITION:
        return [f"a metric definition has other members: {definition!r}"]
    problems = []
    value = root.get(definition.get("Name"))
    if not (
        _is_number(value) or (isinstance(value, list) and value and all(map(_is_number, value)))
    ):
        problems.append(f"metric {definition.get('Name')!r} has no number at the root")
    if "Unit" in definition and definition["Unit"] not in UNITS:
        problems.append(f"unit {definition['Unit']!r} is not a MetricDatum unit")
    if definition.get("StorageResolution", 60) not in (1, 60):
        problems.append("StorageResolution is neither 1 nor 60")
    return problems


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The JSON log lines in `output` that carry EMF metrics, parsed."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]
