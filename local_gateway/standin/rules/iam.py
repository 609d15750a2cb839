"""IAM role names: the characters and length IAM allows, and one role per name in the account.

IAM is global: a role belongs to the account, not to a region, so two stacks
in two regions that name a role alike collide, and IAM compares names without
regard to case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from local_gateway.standin.account import AccountState
from local_gateway.standin.rules import Change, Violation, apply_rule, force_new, plan_rule

__all__ = ["ROLE_NAME_MAX_LENGTH", "role_name_taken", "role_name_valid"]

_CREATE_ROLE = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"

# CreateRole's RoleName: "Length Constraints: Minimum length of 1. Maximum
# length of 64. Pattern: [\w+=,.@-]+". The provider checks both at plan
# (internal/service/iam/role.go, `name`: validResourceName(roleNameMaxLen)).
ROLE_NAME_MAX_LENGTH = 64
_ROLE_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)


@plan_rule("aws_iam_role")
def role_name_valid(change: Change) -> Iterable[Violation]:
    """A role name is 1 to 64 characters from letters, digits and `+=,.@_-`.

    Source: IAM API reference, CreateRole, RoleName; the AWS provider
    validates it the same way at plan.
    """
    name = change.after.get("name")
    if change.planned is None or not isinstance(name, str):
        return
    if not 1 <= len(name) <= ROLE_NAME_MAX_LENGTH:
        yield Violation(
            summary="Invalid IAM role name",
            detail=(
                f"expected length of name to be in the range (1 - {ROLE_NAME_MAX_LENGTH}), "
                f"got {name} ({len(name)} characters)"
            ),
            source=_CREATE_ROLE,
        )
    if not _ROLE_NAME.fullmatch(name):
        yield Violation(
            summary="Invalid IAM role name",
            detail=f"invalid value for name (must match [\\w+=,.@-]): {name}",
            source=_CREATE_ROLE,
        )


@apply_rule("aws_iam_role")
def role_name_taken(change: Change, account: AccountState) -> Iterable[Violation]:
    """A new role's name must not be taken, in any region and in any letter case.

    Source: IAM API reference, CreateRole, RoleName: "IAM user, group, role,
    and policy names must be unique within the account. Names are not
    distinguished by case." CreateRole answers EntityAlreadyExists (409).
    """
    name = change.after.get("name")
    if change.action != "create" or not isinstance(name, str):
        return
    for record in account.of_type("aws_iam_role").values():
        existing = record["state"].get("name")
        if isinstance(existing, str) and existing.lower() == name.lower():
            yield Violation(
                summary=f"creating IAM Role ({name})",
                detail=(
                    "operation error IAM: CreateRole, https response error StatusCode: 409, "
                    f"EntityAlreadyExists: Role with name {name} already exists. "
                    f"(Role {existing} exists, created by a stack in {record['region']}: "
                    "IAM names are account-wide and not distinguished by case.)"
                ),
                source=_CREATE_ROLE,
            )


# A role or inline policy is replaced, not renamed (internal/service/iam/role.go
# and role_policy.go: `ForceNew` on these).
force_new("aws_iam_role", "name", "name_prefix", "path")
force_new("aws_iam_role_policy", "name", "name_prefix", "role")
