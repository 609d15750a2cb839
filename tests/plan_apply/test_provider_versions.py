"""Each module's provider constraints admit only releases that accept what it sets.

The judge is `tools.provider_versions`: it reads a plan and each module's own
constraints (`terraform providers`) and reports every feature used that is newer
than the lowest release a module admits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.plan_apply.helpers import CONSUMER, initialised, plan_json, terraform_ok
from tools.provider_versions import (
    ARCHIVE,
    AWS,
    Finding,
    findings,
    lowest_admitted,
    main,
    module_constraints,
    module_path,
)
from tools.standin_workspace import Workspace

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

OLD_PROVIDER_FLOOR = "tests/plan_apply/fixtures/old_provider_floor"

# What versions.tf files said before their floors came from the changelogs.
_OLD_CONSTRAINTS = {"aws": ">= 5.0, < 7.0", "archive": ">= 2.4"}

# As Terraform prints it, with no-break spaces after each "│".
_PROVIDERS_OUTPUT = """
Providers required by configuration:
.
├── provider[registry.terraform.io/hashicorp/aws] 6.47.0
└── module.websocket
    ├── provider[registry.terraform.io/hashicorp/archive] >= 2.4.0
    ├── provider[registry.terraform.io/hashicorp/aws] >= 5.0.0, < 7.0.0
    ├── module.functions
    │\xa0\xa0 └── provider[registry.terraform.io/hashicorp/aws]
    └── module.api
        └── provider[registry.terraform.io/hashicorp/aws] ~> 5.32

Providers required by state:

    provider[registry.terraform.io/hashicorp/aws]
"""


def _constraints(workspace: Workspace, directory: str) -> dict[str, dict[str, str]]:
    """Each module's own constraints in an initialised `directory`."""
    return module_constraints(
        terraform_ok(workspace.terraform(directory, "providers", "-no-color"))
    )


def _summary(found: list[Finding]) -> set[tuple[str, str, str]]:
    """(module, feature, first release) of each finding, for comparing sets."""
    return {
        (finding.module, finding.feature.description, ".".join(map(str, finding.feature.first)))
        for finding in found
    }


@pytest.mark.parametrize(
    ("constraint", "lowest"),
    [
        (">= 5.76.0, < 7.0", (5, 76, 0)),
        (">= 5.0", (5, 0, 0)),
        ("~> 2.5", (2, 5, 0)),
        ("6.47.0", (6, 47, 0)),
        ("> 5.75.1", (5, 75, 2)),
        ("< 7.0, != 5.1.0", (0, 0, 0)),
        ("", (0, 0, 0)),
    ],
)
def test_lowest_admitted_release(constraint: str, lowest: tuple[int, int, int]) -> None:
    """Lower bounds raise the floor; upper bounds and exclusions do not."""
    assert lowest_admitted(constraint) == lowest


def test_module_constraints_read_per_module_from_terraform_providers() -> None:
    """Each module keeps its own constraint; one declared without a version admits any."""
    assert module_constraints(_PROVIDERS_OUTPUT) == {
        "": {AWS: "6.47.0"},
        "module.websocket": {ARCHIVE: ">= 2.4.0", AWS: ">= 5.0.0, < 7.0.0"},
        "module.websocket.module.functions": {AWS: ""},
        "module.websocket.module.api": {AWS: "~> 5.32"},
    }


def test_module_path_drops_instance_keys() -> None:
    """A for_each instance is judged by the constraints of the module it instantiates."""
    assert module_path('module.websocket.module.functions["$connect"]') == (
        "module.websocket.module.functions"
    )
    assert module_path("module.a[0].module.b") == "module.a.module.b"


@pytest.mark.parametrize(
    ("directory", "plan_fixture"),
    [(CONSUMER, "consumer_plan"), ("examples/complete", "complete_plan")],
)
def test_module_constraints_admit_only_releases_that_accept_it(
    request: pytest.FixtureRequest, shared_workspace: Workspace, directory: str, plan_fixture: str
) -> None:
    """With python3.12 (the consumer) and python3.13 (examples/complete), no module of
    the plan sets anything its own constraint's lowest release would refuse.
    """
    plan: dict[str, Any] = request.getfixturevalue(plan_fixture)
    assert findings(plan, _constraints(shared_workspace, directory)) == []
    # The judge does see what the plan uses: with no constraint at all, it reports it.
    used = {description for _, description, _ in _summary(findings(plan, {}))}
    runtime = "runtime python3.13" if directory.startswith("examples/") else "runtime python3.12"
    assert {"the logging_config block", runtime, "glob patterns in excludes"} <= used


@pytest.fixture(scope="module")
def old_floor(shared_workspace: Workspace) -> tuple[dict[str, Any], str]:
    """The plan of the old_provider_floor fixture and its `terraform providers` output."""
    initialised(shared_workspace, OLD_PROVIDER_FLOOR)
    plan = plan_json(shared_workspace, OLD_PROVIDER_FLOOR)
    providers = terraform_ok(
        shared_workspace.terraform(OLD_PROVIDER_FLOOR, "providers", "-no-color")
    )
    return plan, providers


def test_python313_under_an_aws_5_0_constraint_is_reported(
    old_floor: tuple[dict[str, Any], str],
) -> None:
    """A module admitting aws 5.0 that sets runtime python3.13 is told it needs 5.76.0."""
    plan, providers = old_floor
    found = findings(plan, module_constraints(providers))
    assert _summary(found) == {("module.function", "runtime python3.13", "5.76.0")}
    message = found[0].message()
    assert "module.function.aws_lambda_function.this" in message
    assert "aws 5.76.0" in message
    assert "admits aws 5.0.0" in message
    assert "#40107" in message


def test_command_line_prints_each_finding_and_fails(
    old_floor: tuple[dict[str, Any], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m tools.provider_versions PLAN_JSON PROVIDERS_TXT` exits 1 on a finding."""
    plan, providers = old_floor
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    (tmp_path / "providers.txt").write_text(providers, encoding="utf-8")
    assert main([str(tmp_path / "plan.json"), str(tmp_path / "providers.txt")]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1
    assert printed[0].startswith("module.function.aws_lambda_function.this uses runtime python3.13")


def _with_old_constraints(root: Path) -> None:
    """Give every versions.tf of the module the constraints it had before."""
    for versions in [root / "versions.tf", *root.glob("modules/*/versions.tf")]:
        text = versions.read_text(encoding="utf-8")
        for name, constraint in _OLD_CONSTRAINTS.items():
            text = re.sub(
                rf'({name} = \{{[^}}]*version\s*=\s*)"[^"]*"', rf'\g<1>"{constraint}"', text
            )
        versions.write_text(text, encoding="utf-8")


def test_the_old_constraints_are_reported(own_workspace: Workspace) -> None:
    """The module as it was (aws >= 5.0, archive >= 2.4) is reported for what it sets."""
    _with_old_constraints(own_workspace.root)
    initialised(own_workspace, CONSUMER)
    plan = plan_json(own_workspace, CONSUMER)
    found = _summary(findings(plan, _constraints(own_workspace, CONSUMER)))
    functions = "module.websocket.module.functions"
    assert {
        (functions, "the logging_config block", "5.32.0"),
        (functions, "runtime python3.12", "5.32.0"),
        ("module.websocket", "glob patterns in excludes", "2.5.0"),
    } <= found
