"""The stand-in's Lambda and IAM rules, each broken by a hand-written configuration.

`fixtures/lambda_function` is one function (and optionally a role) whose
every judged setting is a variable, so each test breaks one rule on purpose,
without the module's own validations in the way, and reads Terraform's error.
Each test applies into its own state file; a refused create leaves the account
as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.plan_apply.helpers import (
    AWS_VERSION,
    account_file,
    apply_into_state,
    initialised,
    share_account,
    terraform_ok,
    var_args,
)
from tools.standin_workspace import Workspace, choose_source, project_copy

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = [
    pytest.mark.skipif(
        not choose_source(AWS_VERSION).is_standin,
        reason="with real providers an apply would create real AWS resources",
    ),
    pytest.mark.xdist_group(__name__),
]

FIXTURE = "tests/plan_apply/fixtures/lambda_function"


def apply_fixture(workspace: Workspace, state: str, **variables: Any) -> tuple[int, str]:
    """Apply the fixture into state file `state`; return the exit code and all output, one line."""
    return apply_into_state(workspace, FIXTURE, state, **variables)


def refused(workspace: Workspace, state: str, **variables: Any) -> str:
    """Terraform's output for an apply of the fixture that must fail."""
    code, output = apply_fixture(workspace, state, **variables)
    assert code != 0, output
    return output


def applied(workspace: Workspace, state: str, **variables: Any) -> dict[str, Any]:
    """Apply the fixture, which must succeed; return the function's state values."""
    code, output = apply_fixture(workspace, state, **variables)
    assert code == 0, output
    shown = terraform_ok(workspace.terraform(FIXTURE, "show", "-json", f"{state}.tfstate"))
    resources = json.loads(shown)["values"]["root_module"]["resources"]
    return next(r["values"] for r in resources if r["type"] == "aws_lambda_function")


@pytest.fixture(scope="module")
def fixture_workspace() -> Iterator[Workspace]:
    """A project copy with the fixture initialised, shared by the rules that need no account."""
    with project_copy() as workspace:
        yield initialised(workspace, FIXTURE)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        pytest.param({"A": "x"}, "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+", id="short"),
        pytest.param({"9LIVES": "x"}, "(keys: 9LIVES)", id="digit-first"),
        pytest.param(
            {"AWS_REGION": "eu-west-1", "AWS_LAMBDA_FUNCTION_NAME": "x"},
            "Reserved keys used in this request: AWS_LAMBDA_FUNCTION_NAME, AWS_REGION",
            id="reserved",
        ),
        pytest.param({"BIG": "x" * 4090}, "exceeded the 4KB limit", id="over-4KB"),
    ],
)
def test_lambda_refuses_environments_it_does_not_accept(
    fixture_workspace: Workspace, environment: dict[str, str], expected: str
) -> None:
    """Keys outside Lambda's pattern, reserved keys and over 4 KB in all fail the apply."""
    output = refused(fixture_workspace, "environment", environment=environment)
    assert "Lambda Function (fixture)" in output
    assert expected in output


def test_lambda_refuses_log_levels_without_json_logs(fixture_workspace: Workspace) -> None:
    """An application log level with the Text log format fails the apply."""
    output = refused(fixture_workspace, "text", log_format="Text", application_log_level="DEBUG")
    assert 'LogLevel is not supported when LogFormat is set to "Text"' in output


def test_lambda_refuses_a_function_name_over_64_characters(fixture_workspace: Workspace) -> None:
    """A bare function name of 65 characters fails the apply, though the provider plans it."""
    output = refused(fixture_workspace, "long", function_name="f" * 65)
    assert "Member must have length less than or equal to 64" in output


def test_lambda_refuses_a_zip_missing_at_apply(fixture_workspace: Workspace) -> None:
    """The provider reads `filename` at apply: a path with no file fails it."""
    output = refused(fixture_workspace, "missing", filename="missing.zip")
    assert "reading ZIP file (missing.zip): open missing.zip: no such file or directory" in output


def test_a_function_within_every_rule_applies(fixture_workspace: Workspace) -> None:
    """The same fixture applies with a 64-character name, valid keys and JSON log levels."""
    values = applied(
        fixture_workspace,
        "valid",
        function_name="f" * 64,
        environment={"AB": "x", "LOG_LEVEL": "y" * 3000},
        application_log_level="DEBUG",
    )
    assert values["logging_config"][0]["application_log_level"] == "DEBUG"


def test_a_removed_tracing_block_keeps_the_functions_mode(fixture_workspace: Workspace) -> None:
    """Dropping `tracing_config` plans no change, as the real provider's computed block does;
    only an explicit PassThrough switches Active tracing off."""
    tracing = {"state": "tracing", "function_name": "traced"}
    assert applied(fixture_workspace, **tracing, tracing_mode="Active")["tracing_config"] == [
        {"mode": "Active"}
    ]
    assert applied(fixture_workspace, **tracing)["tracing_config"] == [{"mode": "Active"}]
    assert applied(fixture_workspace, **tracing, tracing_mode="PassThrough")["tracing_config"] == [
        {"mode": "PassThrough"}
    ]


def test_reservations_leave_unreserved_concurrency(own_workspace: Workspace) -> None:
    """A new account (quota 10) cannot reserve any; a quota of 1000 keeps 100 unreserved."""
    initialised(own_workspace, FIXTURE)
    output = refused(own_workspace, "one", reserved_concurrent_executions=1)
    assert "below its minimum value of [10]" in output
    assert "PutFunctionConcurrency" in output

    account_file(own_workspace, FIXTURE).write_text(
        json.dumps({"settings": {"lambda_concurrency_quota": 1000}})
    )
    assert applied(own_workspace, "one", reserved_concurrent_executions=900)
    output = refused(own_workspace, "two", function_name="second", reserved_concurrent_executions=1)
    assert "below its minimum value of [100]" in output


def test_role_names_are_account_wide_and_blind_to_case(
    own_workspace: Workspace, other_workspace: Workspace
) -> None:
    """A role named like another in the account, in another region and case, is refused."""
    initialised(own_workspace, FIXTURE)
    initialised(other_workspace, FIXTURE)
    share_account(own_workspace, FIXTURE, other_workspace, FIXTURE)
    role = {"function_name": None, "role_name": "Fixture-Role"}
    code, output = apply_fixture(own_workspace, "role", **role)
    assert code == 0, output
    output = refused(
        other_workspace, "role", region="eu-west-1", function_name=None, role_name="fixture-role"
    )
    assert "EntityAlreadyExists: Role with name fixture-role already exists" in output
    code, output = apply_fixture(
        other_workspace, "role", region="eu-west-1", function_name=None, role_name="fixture-role-2"
    )
    assert code == 0, output


@pytest.mark.parametrize(
    ("role_name", "expected"),
    [
        pytest.param("r" * 65, "expected length of name to be in the range (1 - 64)", id="65-long"),
        pytest.param("bad name!", "must match [\\w+=,.@-]", id="space-and-bang"),
    ],
)
def test_role_names_iam_refuses_fail_the_plan(
    fixture_workspace: Workspace, role_name: str, expected: str
) -> None:
    """A role name over 64 characters or with other characters fails at plan, as in the provider."""
    code, out, err = fixture_workspace.terraform(
        FIXTURE, "plan", "-input=false", "-no-color", *var_args(role_name=role_name)
    )
    assert code != 0
    assert expected in " ".join(f"{out}\n{err}".split())
