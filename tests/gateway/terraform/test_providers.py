"""Which provider schema the stand-in serves for a stack, and the error for one it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_gateway.cli import main
from local_gateway.standin.mirror import write_launcher
from local_gateway.terraform_source import PlanRequest, TerraformSourceError, plan_stack
from tests.gateway.terraform.conftest import plan

_QUEUE_STACK = """
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.90"
    }
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
"""


def test_a_provider_without_schema_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stack using hashicorp/google stops with an error naming it, before any plan."""
    (tmp_path / "main.tf").write_text(
        'resource "google_storage_bucket" "assets" {\n  name     = "assets"\n  location = "EU"\n}\n'
    )
    with pytest.raises(TerraformSourceError, match=r"cannot serve: hashicorp/google \(no schema"):
        plan_stack(PlanRequest(directory=tmp_path, cache_dir=tmp_path / "cache"))
    assert main(["--terraform", str(tmp_path)]) == 2
    assert "hashicorp/google" in capsys.readouterr().out


def test_constraints_pick_a_version_the_schema_folder_has(tmp_path: Path) -> None:
    """`~> 5.90` with no lock file: the newest schema the constraint allows is served."""
    (tmp_path / "main.tf").write_text(_QUEUE_STACK)
    planned, _ = plan(tmp_path, tmp_path / "cache")
    assert planned.providers == ("aws 5.100.0: stand-in serving the schema of 5.100.0",)


def test_the_installed_providers_schema_is_served(tmp_path: Path) -> None:
    """Where the stack's own `terraform init` installed aws 5.93.0, its schema is read from
    that provider (`terraform providers schema -json`) and served."""
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text(_QUEUE_STACK)
    # Stands for the real binary `terraform init` unpacked: it describes itself, which is
    # all the gateway asks of it (here, with the 5.100.0 schema).
    write_launcher(stack / ".terraform" / "providers", "aws", "5.93.0", serve_version="5.100.0")
    planned, _ = plan(stack, tmp_path / "cache")
    assert planned.providers == (
        "aws 5.93.0: stand-in serving the schema of the installed provider",
    )
    assert (tmp_path / "cache" / "provider-schemas" / "aws-5.93.0.json").is_file()
    assert planned.plan["resource_changes"][0]["address"] == "aws_sqs_queue.jobs"
