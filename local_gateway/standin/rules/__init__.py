"""What the real provider and AWS refuse or do that a schema cannot say.

A schema tells Terraform which attributes exist and their types; it cannot say
that Lambda refuses an environment key, that a stage serves the deployment it
was given rather than the API's current routes, or that an IAM role name is
already taken in the account. Each such rule is a small function registered
for the resource types it judges, named after what it checks, with the
document or changelog entry it comes from in its docstring. They judge the
planned values of any configuration, not the text of this module's files.

- `plan_rule`: refuses a planned change, as the provider's own validation or
  plan-time checks would (shown by `terraform plan`).
- `apply_rule`: refuses an applied change given what already exists in the
  account (`account.py`), as an AWS API call would (shown by `terraform apply`).
- `plan_adjustment`: changes the planned state as the real provider's plan
  would, where it departs from Terraform core's proposal.
- `after_apply`: what AWS derives from an applied change (a deployment's
  snapshot of the routes, say), kept in the account's record of the resource;
  on a delete it gets the record just removed (a region-wide setting reset, say).
- `force_new`: attributes whose change replaces the resource rather than
  updating it (the provider's `ForceNew`, which a schema file does not carry),
  so that Terraform core orders replacements as it does with the real provider.

Every module of this package is imported below, so a new rule file needs no
registration elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from local_gateway.standin.account import AccountState

__all__ = [
    "Change",
    "Violation",
    "after_apply",
    "after_apply_effects",
    "apply_rule",
    "apply_violations",
    "force_new",
    "plan_adjustment",
    "plan_adjustments",
    "plan_rule",
    "plan_violations",
    "replacing_attributes",
]


@dataclass(frozen=True)
class Violation:
    """Why AWS or the provider would refuse a change, and where that rule is written."""

    summary: str
    detail: str
    source: str

    def message(self) -> str:
        """The diagnostic detail shown to the Terraform user."""
        return f"{self.detail}\n\n(Rule of the stand-in provider; source: {self.source})"


@dataclass(frozen=True)
class Change:
    """One resource change as the provider sees it.

    `prior` is None on create and `planned` None on delete; values not yet
    known are `cty.UNKNOWN`. `region` is the provider configuration's.
    """

    type_name: str
    prior: dict[str, Any] | None
    planned: dict[str, Any] | None
    config: dict[str, Any] | None
    region: str
    provider_version: str

    @property
    def action(self) -> str:
        """`create`, `update` or `delete`."""
        if self.prior is None:
            return "create"
        return "delete" if self.planned is None else "update"

    @property
    def after(self) -> dict[str, Any]:
        """The planned values, or the prior ones for a delete."""
        return self.planned if self.planned is not None else (self.prior or {})

    @property
    def resource_region(self) -> str:
        """The resource's region: its own `region` argument (aws 6.x), else the provider's."""
        configured = (self.config or {}).get("region")
        return configured if isinstance(configured, str) and configured else self.region


PlanRule = Callable[[Change], Iterable[Violation]]
ApplyRule = Callable[[Change, AccountState], Iterable[Violation]]
PlanAdjustment = Callable[[Change], dict[str, Any]]
AfterApply = Callable[[Change, AccountState, dict[str, Any]], None]

_PLAN_RULES: dict[str, list[PlanRule]] = {}
_APPLY_RULES: dict[str, list[ApplyRule]] = {}
_PLAN_ADJUSTMENTS: dict[str, list[PlanAdjustment]] = {}
_AFTER_APPLY: dict[str, list[AfterApply]] = {}
_FORCE_NEW: dict[str, set[str]] = {}


def _registrar(table: dict[str, list[Any]], type_names: tuple[str, ...]) -> Callable[[Any], Any]:
    def register(function: Any) -> Any:
        for type_name in type_names:
            table.setdefault(type_name, []).append(function)
        return function

    return register


def plan_rule(*type_names: str) -> Callable[[PlanRule], PlanRule]:
    """Register a rule judging planned changes of `type_names`."""
    return _registrar(_PLAN_RULES, type_names)


def apply_rule(*type_names: str) -> Callable[[ApplyRule], ApplyRule]:
    """Register a rule judging applied changes of `type_names` against the account."""
    return _registrar(_APPLY_RULES, type_names)


def plan_adjustment(*type_names: str) -> Callable[[PlanAdjustment], PlanAdjustment]:
    """Register a change the real provider makes to planned states of `type_names`."""
    return _registrar(_PLAN_ADJUSTMENTS, type_names)


def after_apply(*type_names: str) -> Callable[[AfterApply], AfterApply]:
    """Register what AWS derives from applied changes of `type_names`."""
    return _registrar(_AFTER_APPLY, type_names)


def force_new(type_name: str, *attributes: str) -> None:
    """Register top-level `attributes` of `type_name` that the provider marks `ForceNew`."""
    _FORCE_NEW.setdefault(type_name, set()).update(attributes)


def replacing_attributes(change: Change) -> list[str]:
    """The `ForceNew` attributes an update changes (a value not yet known counts as changed)."""
    if change.prior is None or change.planned is None:
        return []
    return sorted(
        name
        for name in _FORCE_NEW.get(change.type_name, ())
        if change.planned.get(name) != change.prior.get(name)
    )


def plan_violations(change: Change) -> list[Violation]:
    """Everything the plan-time rules refuse in `change`."""
    return [v for rule in _PLAN_RULES.get(change.type_name, []) for v in rule(change)]


def apply_violations(change: Change, account: AccountState) -> list[Violation]:
    """Everything AWS would refuse in `change`, given what exists in `account`."""
    return [v for rule in _APPLY_RULES.get(change.type_name, []) for v in rule(change, account)]


def plan_adjustments(change: Change) -> dict[str, Any] | None:
    """The planned state after the real provider's own changes to it."""
    planned = change.planned
    for adjust in _PLAN_ADJUSTMENTS.get(change.type_name, []):
        if planned is None:
            break
        planned = adjust(replace(change, planned=planned))
    return planned


def after_apply_effects(change: Change, account: AccountState, record: dict[str, Any]) -> None:
    """Let AWS derive what it does from an applied change into its `record`."""
    for effect in _AFTER_APPLY.get(change.type_name, []):
        effect(change, account, record)


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
