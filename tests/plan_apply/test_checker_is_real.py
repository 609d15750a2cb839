"""`make validate` catches the mistakes Terraform itself would, anywhere in the module tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.plan_apply.helpers import AWS_VERSION
from tools.standin_workspace import Workspace, project_copy
from tools.validate import check_module

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

# Each mistake goes into a submodule; validating the example that uses it must fail.
MISTAKE_FILE = "modules/connections-table/zz_mistake.tf"
CHECKED = "examples/complete"

MISTAKES = {
    "misspelt attribute": (
        'resource "aws_cloudwatch_log_group" "mistake" {\n  retention_in_dayz = 1\n}\n',
        'An argument named "retention_in_dayz" is not expected here.',
    ),
    "missing required argument": (
        'resource "aws_apigatewayv2_route" "mistake" {\n  route_key = "$default"\n}\n',
        'The argument "api_id" is required, but no definition was found.',
    ),
    "wrong type": (
        'resource "aws_cloudwatch_log_group" "mistake" {\n  retention_in_days = ["x"]\n}\n',
        "Incorrect attribute value type",
    ),
    "bad reference": (
        'resource "aws_cloudwatch_log_group" "mistake" {\n'
        "  name = aws_dynamodb_table.missing.name\n}\n",
        'A managed resource "aws_dynamodb_table" "missing" has not been declared',
    ),
}


@pytest.fixture(scope="module")
def workspace() -> Iterator[Workspace]:
    """One copy of the project for all the mistakes, each removed after its test."""
    with project_copy() as copy:
        yield copy


def test_module_without_mistakes_passes(workspace: Workspace) -> None:
    """The untouched module passes the check, so a failure below is the mistake's doing."""
    assert check_module(workspace, CHECKED, AWS_VERSION) is None


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistake_fails_with_terraforms_message(workspace: Workspace, mistake: str) -> None:
    """Each kind of mistake fails validation with Terraform's own message about it."""
    text, message = MISTAKES[mistake]
    injected = workspace.root / MISTAKE_FILE
    injected.write_text(text)
    try:
        failure = check_module(workspace, CHECKED, AWS_VERSION)
    finally:
        injected.unlink()
    assert failure is not None
    assert message in " ".join(failure.output.split())
