"""Upgrading a deployed stack to this version keeps what its clients hold.

Replacing the API changes its `wss://` URL, which every client has, and
replacing the table loses the open connections. So the release before the
apply-time fixes (0.1.0) is applied through the stand-in, then this version is
planned over its state: nothing a client depends on may be replaced. What a
consumer does see when upgrading is listed in CHANGELOG.md.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.apigateway import CLOUDWATCH_ROLES
from tests.plan_apply.helpers import (
    CONSUMER,
    account_file,
    apply,
    assert_stage_serves_configuration,
    initialised,
    plan_json,
    resource_changes,
)
from tools.standin_workspace import Workspace, project_copy

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

# Release 0.1.0, the last commit before the apply-time fixes (tagged v0.1.0).
BASELINE_COMMIT = "f8d504b0b953ad1d52c0077e005ceb58de4957fa"
# Where that release kept its consumer: as deep as CONSUMER, so its `source` finds the
# release's root module from either place.
BASELINE_CONSUMER = "tests/offline_terraform/fixtures/consumer"

# What clients hold (the URL) and what holds the open connections.
KEPT = (
    "module.websocket.module.api.aws_apigatewayv2_api.this",
    "module.websocket.module.api.aws_apigatewayv2_stage.this",
    "module.websocket.module.connections_table.aws_dynamodb_table.this",
)


def _extract_baseline(into: Path) -> Path:
    """The files of the baseline release, from this repository's history."""
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", BASELINE_COMMIT],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, (
        f"the baseline release {BASELINE_COMMIT[:7]} is not in this clone's history "
        f"(a shallow clone?): {done.stderr.decode()}"
    )
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        archive.extractall(into, filter="tar")
    return into


def _seed_logging_role(workspace: Workspace) -> None:
    """The region's API Gateway CloudWatch role, which 0.1.0's access logs needed to apply."""
    path = account_file(workspace, CONSUMER)
    path.parent.mkdir(parents=True, exist_ok=True)
    role = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"
    path.write_text(json.dumps({"settings": {CLOUDWATCH_ROLES: {"us-east-1": role}}}))


@pytest.fixture(scope="module")
def upgraded() -> Iterator[Workspace]:
    """The consumer of this version, over the state and account 0.1.0's apply left."""
    with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
        baseline = _extract_baseline(Path(folder))
        with project_copy(baseline) as old, project_copy() as new:
            shutil.copytree(baseline / BASELINE_CONSUMER, old.root / CONSUMER)
            initialised(old, CONSUMER)
            _seed_logging_role(old)
            apply(old, CONSUMER)
            for kept in ("terraform.tfstate", ".terraform/standin-account.json"):
                target = new.root / CONSUMER / kept
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes((old.root / CONSUMER / kept).read_bytes())
            yield initialised(new, CONSUMER)


@pytest.fixture(scope="module")
def upgrade_plan(upgraded: Workspace) -> dict[str, Any]:
    """This version's plan over 0.1.0's state."""
    return plan_json(upgraded, CONSUMER)


def test_upgrade_replaces_neither_api_nor_stage_nor_table(upgrade_plan: dict[str, Any]) -> None:
    """The `wss://` URL and the open connections survive the upgrade: updated in place at most."""
    changes = resource_changes(upgrade_plan)
    for address in KEPT:
        assert address in changes, f"{address} is no longer planned"
        actions = changes[address]["change"]["actions"]
        assert "delete" not in actions, f"{address} would be {actions}"


def test_upgrade_moves_renamed_addresses_instead_of_destroying_them(
    upgrade_plan: dict[str, Any],
) -> None:
    """Every resource 0.1.0 made is kept, moved or replaced on purpose, never dropped silently.

    A delete with no create of the same address is a resource the new version
    no longer has; each such address must be one CHANGELOG.md names.
    """
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    dropped = [
        address
        for address, change in resource_changes(upgrade_plan).items()
        if change["change"]["actions"] == ["delete"]
    ]
    for address in dropped:
        resource = address.split(".")[-2]
        assert resource in changelog, (
            f"{address} is destroyed on upgrade and CHANGELOG.md is silent"
        )


def test_upgrade_applies_and_the_stage_serves_the_routes(
    upgrade_plan: dict[str, Any], upgraded: Workspace
) -> None:
    """One apply of the upgrade succeeds, the stage then serves the default routes, and the
    next plan has nothing to do."""
    assert upgrade_plan["resource_changes"]
    apply(upgraded, CONSUMER)
    assert_stage_serves_configuration(upgraded, {"$connect", "$disconnect", "$default"})
    code, out, err = upgraded.terraform(
        CONSUMER, "plan", "-input=false", "-no-color", "-detailed-exitcode"
    )
    assert code == 0, out + err
