"""A resource's whole life through the stand-in: create, refresh, read outputs, destroy."""

from __future__ import annotations

import pytest
from pytest_terraform import terraform
from pytest_terraform.tf import TerraformTestApi

from tests.plan_apply.helpers import AWS_VERSION, applied_terraform, terraform_ok
from tools.standin_workspace import choose_source


@pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)
# The test destroys the fixture itself: that is one of the steps it checks.
@terraform("minimal", name="minimal_applied", teardown=terraform.TEARDOWN_OFF)
def test_apply_refresh_and_destroy(minimal_applied: TerraformTestApi) -> None:
    """Apply gives fixed identities, a refresh finds no drift, destroy empties the state."""
    assert minimal_applied.outputs["partition"]["value"] == "aws"
    assert (
        minimal_applied.outputs["function_arn"]["value"]
        == "arn:aws:lambda:us-east-1:123456789012:function:fixture"
    )
    assert minimal_applied["aws_dynamodb_table.this.hash_key"] == "connectionId"
    refreshed = applied_terraform(
        minimal_applied, "plan", "-refresh-only", "-input=false", "-no-color"
    )
    assert "No changes." in terraform_ok(refreshed)
    terraform_ok(applied_terraform(minimal_applied, "destroy", "-input=false", "-auto-approve"))
    assert terraform_ok(applied_terraform(minimal_applied, "state", "list")).strip() == ""
