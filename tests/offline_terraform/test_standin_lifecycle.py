"""A resource's whole life through the stand-in: create, refresh, read outputs, destroy."""

from __future__ import annotations

import json

import pytest

from offline_terraform.helpers import AWS_VERSION, initialised, terraform_ok
from tools.standin_provider.workspace import Workspace, choose_source

MINIMAL = "tests/offline_terraform/fixtures/minimal"


@pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)
def test_apply_refresh_and_destroy(own_workspace: Workspace) -> None:
    """Apply gives fixed identities, a refresh finds no drift, destroy empties the state."""
    initialised(own_workspace, MINIMAL)
    terraform_ok(own_workspace.terraform(MINIMAL, "apply", "-input=false", "-auto-approve"))
    outputs = json.loads(terraform_ok(own_workspace.terraform(MINIMAL, "output", "-json")))
    assert outputs["partition"]["value"] == "aws"
    assert (
        outputs["function_arn"]["value"] == "arn:aws:lambda:us-east-1:123456789012:function/fixture"
    )
    refreshed = own_workspace.terraform(
        MINIMAL, "plan", "-refresh-only", "-input=false", "-no-color"
    )
    assert "No changes." in terraform_ok(refreshed)
    terraform_ok(own_workspace.terraform(MINIMAL, "destroy", "-input=false", "-auto-approve"))
    listed = own_workspace.terraform(MINIMAL, "state", "list")
    assert terraform_ok(listed).strip() == ""
