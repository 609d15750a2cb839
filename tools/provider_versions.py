"""Which provider release a configuration needs, judged from its plan.

A version constraint such as `>= 5.0` promises that every release it admits
accepts the configuration. It breaks when a module sets an argument or a value
that arrived later: the provider's own schema or validation then refuses it at
plan time (`Unsupported block type`, `expected runtime to be one of [...]`), or,
worse, accepts it and does something else (`archive_file` before 2.5.0 matched
`excludes` literally, so `**/__pycache__` excluded nothing and the zip's hash
differed between machines).

`FEATURES` lists what this project's modules set that arrived after 5.0.0 (aws)
or after archive's first releases, each with the release that introduced it and
the changelog entry that says so. `findings` judges any plan against it: every
resource whose planned values use a feature newer than the lowest release its
own module's constraint admits. Each module is judged by its own constraint,
not by the intersection Terraform computes for the whole configuration, because
a module is called from roots whose constraints it does not control.

A plan's JSON keeps one entry per provider configuration, not each module's
`required_providers`, so the constraints come from `terraform providers`, which
prints them per module (`module_constraints`).

Features that predate 5.0.0 (Lambda `architectures`, layer
`compatible_architectures`, the stage's `auto_deploy`, DynamoDB
`deletion_protection_enabled`) are not listed: every constraint this project
writes admits 5.0.0 at the lowest, and their first 3.x/4.x releases were not
found in the changelog text available.

    python -m tools.provider_versions PLAN_JSON PROVIDERS_TXT
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ARCHIVE",
    "AWS",
    "FEATURES",
    "Feature",
    "Finding",
    "findings",
    "lowest_admitted",
    "main",
    "module_constraints",
    "module_path",
]

AWS = "registry.terraform.io/hashicorp/aws"
ARCHIVE = "registry.terraform.io/hashicorp/archive"

_AWS_CHANGELOG = "hashicorp/terraform-provider-aws CHANGELOG.md"
_ARCHIVE_CHANGELOG = "hashicorp/terraform-provider-archive CHANGELOG.md"

Version = tuple[int, int, int]
Values = Mapping[str, Any]


@dataclass(frozen=True)
class Feature:
    """An argument or value a provider accepts from a given release on.

    `used` tells whether a resource's planned values use it (values not yet
    known are absent from them, so they never count as used).
    """

    provider: str
    types: tuple[str, ...]
    description: str
    first: Version
    source: str
    used: Callable[[Values], bool]


def _block_set(name: str) -> Callable[[Values], bool]:
    """A nested block that is present (a list with at least one item)."""
    return lambda values: bool(values.get(name))


def _equals(name: str, value: str) -> Callable[[Values], bool]:
    return lambda values: values.get(name) == value


def _contains(name: str, value: str) -> Callable[[Values], bool]:
    return lambda values: value in (values.get(name) or [])


def _is_set(name: str) -> Callable[[Values], bool]:
    return lambda values: values.get(name) is not None


_GLOB = re.compile(r"[*?\[{]")


def _glob_excludes(values: Values) -> bool:
    return any(_GLOB.search(pattern) for pattern in values.get("excludes") or [])


_PYTHON313_SOURCE = (
    "first release after aws-sdk-go-v2 service/lambda v1.66.0 (2024-11-11, 'Add Python 3.13"
    " (python3.13) support to AWS Lambda'), whose Runtime enum the provider validates"
    " against: 5.76.0 (November 14, 2024); 5.75.1 refuses it"
    " (hashicorp/terraform-provider-aws#40107, for both resources)"
)

FEATURES: tuple[Feature, ...] = (
    Feature(
        AWS,
        ("aws_lambda_function",),
        "the logging_config block",
        (5, 32, 0),
        f"{_AWS_CHANGELOG}, 5.32.0 (January 11, 2024): resource/aws_lambda_function: Add"
        " `logging_config` configuration block in support of advanced logging controls (#35050)",
        _block_set("logging_config"),
    ),
    Feature(
        AWS,
        ("aws_lambda_function",),
        "runtime python3.12",
        (5, 32, 0),
        f"{_AWS_CHANGELOG}, 5.32.0 (January 11, 2024): resource/aws_lambda_function: Add"
        " support for `python3.12` `runtime` value (#35049)",
        _equals("runtime", "python3.12"),
    ),
    Feature(
        AWS,
        ("aws_lambda_layer_version",),
        "compatible_runtimes python3.12",
        (5, 32, 0),
        f"{_AWS_CHANGELOG}, 5.32.0 (January 11, 2024): resource/aws_lambda_layer_version: Add"
        " support for `python3.12` `compatible_runtimes` value (#35049)",
        _contains("compatible_runtimes", "python3.12"),
    ),
    Feature(
        AWS,
        ("aws_lambda_function",),
        "runtime python3.13",
        (5, 76, 0),
        _PYTHON313_SOURCE,
        _equals("runtime", "python3.13"),
    ),
    Feature(
        AWS,
        ("aws_lambda_layer_version",),
        "compatible_runtimes python3.13",
        (5, 76, 0),
        _PYTHON313_SOURCE,
        _contains("compatible_runtimes", "python3.13"),
    ),
    Feature(
        ARCHIVE,
        ("archive_file",),
        "glob patterns in excludes",
        (2, 5, 0),
        f"{_ARCHIVE_CHANGELOG}, 2.5.0 (July 31, 2024): data-source/archive_file and"
        " resource/archive_file: Add glob pattern matching support to the `excludes`"
        " attribute (#354); before it an exclude matched one exact relative path",
        _glob_excludes,
    ),
    Feature(
        ARCHIVE,
        ("archive_file",),
        "exclude_symlink_directories",
        (2, 4, 0),
        f"{_ARCHIVE_CHANGELOG}, 2.4.0 (June 07, 2023): adds `exclude_symlink_directories`",
        _is_set("exclude_symlink_directories"),
    ),
    Feature(
        ARCHIVE,
        ("archive_file",),
        "output_file_mode",
        (2, 2, 0),
        f"{_ARCHIVE_CHANGELOG}, 2.2.0 (May 04, 2021): New opt-in flag to specify the"
        " `output_file_mode` to produce more deterministic behavior across operating"
        " systems (#90)",
        _is_set("output_file_mode"),
    ),
)


@dataclass(frozen=True)
class Finding:
    """A resource using a feature its module's constraint does not guarantee."""

    address: str
    module: str
    feature: Feature
    constraint: str
    lowest: Version

    def message(self) -> str:
        """One line for a person: what, where, which release, and why."""
        name = self.feature.provider.rsplit("/", 1)[-1]
        module = self.module or "the root module"
        return (
            f"{self.address} uses {self.feature.description}, first accepted by {name}"
            f" {_text(self.feature.first)}, but {module} admits {name} {_text(self.lowest)}"
            f" ({self.constraint or 'no constraint'}). Source: {self.feature.source}"
        )


def _text(version: Version) -> str:
    return ".".join(map(str, version))


def _version(text: str) -> Version:
    """`5`, `5.32` or `5.32.0` (a pre-release suffix ignored) as a triple."""
    parts = [int(part) for part in re.findall(r"\d+", text.split("-", 1)[0])[:3]]
    parts += [0] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


def lowest_admitted(constraint: str) -> Version:
    """The lowest release a Terraform version constraint admits.

    Upper bounds (`<`, `<=`) and exclusions (`!=`) do not raise it; `> v`
    admits the next patch release at the lowest; `~> 5.32` and `= 5.32.0` pin
    it. An empty constraint admits every release.
    """
    lowest: Version = (0, 0, 0)
    for term in filter(None, (part.strip() for part in constraint.split(","))):
        match = re.fullmatch(r"(>=|>|=|~>|<=|<|!=)?\s*v?([0-9][0-9A-Za-z.+-]*)", term)
        if not match:
            raise ValueError(f"not a Terraform version constraint: {constraint!r}")
        operator, version = match.group(1) or "=", _version(match.group(2))
        if operator == ">":
            version = (version[0], version[1], version[2] + 1)
        if operator in {">=", ">", "=", "~>"}:
            lowest = max(lowest, version)
    return lowest


_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|\d+)\]')


def module_path(module_address: str) -> str:
    """A module instance's address without its instance keys: the module in the config."""
    return _INSTANCE_KEY.sub("", module_address)


_TREE_LINE = re.compile(r"^(?P<indent>(?:[│ ] {3}|[├└]── )*)(?P<entry>\S.*)$")
_PROVIDER_ENTRY = re.compile(r"^provider\[(?P<source>[^\]]+)\](?: (?P<constraint>.+))?$")


def module_constraints(providers_output: str) -> dict[str, dict[str, str]]:
    """Each module's own provider constraints, from `terraform providers`.

    Returns:
        `{module path: {provider source: constraint}}`, the root module as ""
        and a module declaring a provider without a version as "".
    """
    found: dict[str, dict[str, str]] = {}
    parents: list[str] = []
    lines = providers_output.split("Providers required by configuration:", 1)[-1]
    # Terraform draws the tree with no-break spaces after a "│".
    for line in lines.replace("\xa0", " ").strip("\n").splitlines():
        if not line.strip():
            break  # the next section: providers required by state
        match = _TREE_LINE.match(line)
        if not match:
            continue
        depth = len(match.group("indent")) // 4
        entry = match.group("entry").strip()
        del parents[depth:]
        provider = _PROVIDER_ENTRY.match(entry)
        if provider:
            module = ".".join(parents[1:])
            found.setdefault(module, {})[provider.group("source")] = (
                provider.group("constraint") or ""
            ).strip()
        else:
            parents.append("" if entry == "." else entry)
    return found


def _planned_resources(plan: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str, Values]]:
    """(address, module path, type, provider source, values) of every resource the plan
    creates, keeps or updates, and of every data source it read or will read.
    """
    for change in plan.get("resource_changes", []):
        after = change["change"].get("after")
        if after is not None:
            module = module_path(change.get("module_address", ""))
            yield change["address"], module, change["type"], change["provider_name"], after
    modules = [plan.get("prior_state", {}).get("values", {}).get("root_module", {})]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            if resource["mode"] == "data":
                address = module_path(resource["address"].rsplit(".data.", 1)[0])
                owner = "" if address.startswith("data.") else address
                yield (
                    resource["address"],
                    owner,
                    resource["type"],
                    resource["provider_name"],
                    resource["values"],
                )


def findings(
    plan: Mapping[str, Any],
    constraints: Mapping[str, Mapping[str, str]],
    features: tuple[Feature, ...] = FEATURES,
) -> list[Finding]:
    """Every use of a feature newer than the lowest release its module admits.

    Args:
        plan: `terraform show -json` of a saved plan.
        constraints: each module's own constraints (see `module_constraints`).
        features: what to look for (default: `FEATURES`).
    """
    found = []
    for address, module, type_name, provider, values in _planned_resources(plan):
        constraint = constraints.get(module, {}).get(provider, "")
        lowest = lowest_admitted(constraint)
        for feature in features:
            if (
                feature.provider == provider
                and type_name in feature.types
                and feature.first > lowest
                and feature.used(values)
            ):
                found.append(Finding(address, module, feature, constraint, lowest))
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the findings for a plan's JSON and `terraform providers` output; 1 if any."""
    parser = argparse.ArgumentParser(prog="python -m tools.provider_versions", description=__doc__)
    parser.add_argument("plan_json", type=Path, help="terraform show -json PLANFILE > this")
    parser.add_argument("providers_txt", type=Path, help="terraform providers > this")
    args = parser.parse_args(argv)
    plan = json.loads(args.plan_json.read_text(encoding="utf-8"))
    constraints = module_constraints(args.providers_txt.read_text(encoding="utf-8"))
    result = findings(plan, constraints)
    for finding in result:
        print(finding.message())
    return 1 if result else 0


if __name__ == "__main__":
    sys.exit(main())
