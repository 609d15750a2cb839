"""Evaluate the functions' IAM policies with Terraform core, without any provider.

A plan cannot show them: every policy names ARNs that exist only after apply.
So a trimmed copy of the module is written to a temporary directory, holding
the module's own expressions, cut verbatim from its `.tf` files: the route
merge and `route_policy_statements` of the root, the call of the functions
module, and the lambda-function module's statements and `policy` document.
Where those expressions read an attribute of an AWS resource (an ARN, a name),
the reference is replaced by a fixed value shaped as AWS builds it, and an
unexpected reference fails loudly rather than being guessed. Terraform then
applies the copy (outputs only) and the policies are read from `output -json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.security.hcl_text import attribute, block, blocks
from tests.terraform.tfconfig import REPO_ROOT, run_terraform

__all__ = ["EXECUTION_ARN", "TABLE_ARN", "Evaluation", "evaluate", "log_group_arn"]

_PREFIX = "arn:aws:{service}:eu-west-1:111122223333"
TABLE_ARN = _PREFIX.format(service="dynamodb") + ":table/ws-connections"
EXECUTION_ARN = _PREFIX.format(service="execute-api") + ":a1b2c3d4e5"
_LOG_GROUP_ARN_PREFIX = _PREFIX.format(service="logs") + ":log-group:"

_RESOURCE_REFERENCE = re.compile(r"\baws_[a-z0-9_]+\.this\.[a-z_]+\b")

# What the root module passes to each submodule that the policies depend on.
_CALLS = {
    "connections_table": [],
    "api": ["stage_name"],
    "functions": ["for_each", "function_name", "tracing_mode", "policy_statements"],
}
_ROOT_VARIABLES = ("name", "routes", "stage_name", "lambda_tracing_mode", "kms_key_arn")
_ROOT_LOCALS = re.compile(r"^  (routes|route_policy_statements) =", re.MULTILINE)


def log_group_arn(name: str) -> str:
    """The ARN AWS gives the log group `name` in the placeholder account."""
    return f"{_LOG_GROUP_ARN_PREFIX}{name}"


@dataclass(frozen=True)
class _Submodule:
    """A submodule as the trimmed copy keeps it: the inputs and outputs it needs."""

    directory: str
    variables: tuple[str, ...]
    outputs: tuple[str, ...]
    extra_outputs: tuple[tuple[str, str], ...] = ()  # (output name, "resource.attribute")
    keep_locals: bool = False

    def source(self, name: str) -> str:
        """Text of one of the real module's files."""
        return (REPO_ROOT / self.directory / name).read_text(encoding="utf-8")

    def trimmed(self) -> str:
        """The copy's single `main.tf`: variables, locals and outputs, with AWS
        resource references replaced.
        """
        variables = self.source("variables.tf")
        main = self.source("main.tf")
        outputs = self.source("outputs.tf")
        parts = [block(variables, f'variable "{name}"') for name in self.variables]
        parts += blocks(main, "locals") if self.keep_locals else []
        parts += [block(outputs, f'output "{name}"') for name in self.outputs]
        for output, address in self.extra_outputs:
            resource, attribute_name = address.rsplit(".", 1)
            kind, label = resource.split(".")
            expression = attribute(block(main, f'resource "{kind}" "{label}"'), attribute_name)
            parts.append(f'output "{output}" {{\n  value = {expression}\n}}')
        return _replace_references("\n\n".join(parts), _placeholders(main))


_SUBMODULES = {
    "connections_table": _Submodule("modules/connections-table", (), ("table_arn",)),
    "api": _Submodule("modules/websocket-api", ("stage_name",), ("stage_execution_arn",)),
    "functions": _Submodule(
        "modules/lambda-function",
        ("function_name", "tracing_mode", "policy_statements"),
        ("log_group_name", "log_group_arn"),
        (("policy", "aws_iam_role_policy.this.policy"),),
        keep_locals=True,
    ),
}

_ROOT_OUTPUTS = """
output "evaluated" {
  value = {
    table_arn           = module.connections_table.table_arn
    stage_execution_arn = module.api.stage_execution_arn
    functions = {
      for key, function in module.functions : key => {
        policy         = jsondecode(function.policy)
        log_group_name = function.log_group_name
        log_group_arn  = function.log_group_arn
      }
    }
  }
}
"""


def _placeholders(main: str) -> dict[str, str]:
    """Replacement expression for each AWS resource attribute a trimmed module may
    read: the shared ARNs, and a log group's name and ARN from its own `name`.
    """
    found = {
        "aws_dynamodb_table.this.arn": json.dumps(TABLE_ARN),
        "aws_apigatewayv2_api.this.execution_arn": json.dumps(EXECUTION_ARN),
    }
    for group in blocks(main, 'resource "aws_cloudwatch_log_group" "this"'):
        name = attribute(group, "name")
        found["aws_cloudwatch_log_group.this.name"] = name
        found["aws_cloudwatch_log_group.this.arn"] = f'"{_LOG_GROUP_ARN_PREFIX}${{{name}}}"'
    return found


def _replace_references(text: str, placeholders: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) not in placeholders:
            raise LookupError(
                f"the policy now reads {match.group(0)}: give it a placeholder in {__name__}"
            )
        return f"({placeholders[match.group(0)]})"

    return _RESOURCE_REFERENCE.sub(replace, text)


def _trimmed_root() -> str:
    """The copy's root: the real variables, route and IAM locals and module calls,
    each call keeping only the inputs the policies depend on.
    """
    variables = (REPO_ROOT / "variables.tf").read_text(encoding="utf-8")
    main = (REPO_ROOT / "main.tf").read_text(encoding="utf-8")
    parts = [block(variables, f'variable "{name}"') for name in _ROOT_VARIABLES]
    parts += [text for text in blocks(main, "locals") if _ROOT_LOCALS.search(text)]
    for call, inputs in _CALLS.items():
        real = block(main, f'module "{call}"')
        lines = [f'  source = "./{call}"']
        lines += [f"  {name} = {attribute(real, name)}" for name in inputs]
        parts.append(f'module "{call}" {{\n' + "\n".join(lines) + "\n}")
    return "\n\n".join(parts) + "\n" + _ROOT_OUTPUTS


@dataclass(frozen=True)
class Evaluation:
    """What Terraform computed: the shared ARNs and each route's function policy."""

    table_arn: str
    stage_execution_arn: str
    functions: dict[str, dict[str, Any]]


def evaluate(
    directory: Path,
    env: dict[str, str],
    *,
    routes: dict[str, Any],
    stage_name: str,
    tracing_mode: str | None,
) -> Evaluation:
    """Write the trimmed copy into `directory`, apply it with these inputs, read the result.

    Args:
        directory: An empty directory to write the copy and Terraform's state into.
        env: The environment selecting the Terraform core (see tests.terraform.tfconfig).
        routes: The root module's `routes` input.
        stage_name: The root module's `stage_name` input.
        tracing_mode: The root module's `lambda_tracing_mode` input.
    """
    (directory / "main.tf").write_text(_trimmed_root(), encoding="utf-8")
    (directory / "default_routes.json").write_bytes(
        (REPO_ROOT / "default_routes.json").read_bytes()
    )
    for call, submodule in _SUBMODULES.items():
        (directory / call).mkdir()
        (directory / call / "main.tf").write_text(submodule.trimmed(), encoding="utf-8")
    inputs = {"name": "ws", "routes": routes, "stage_name": stage_name}
    inputs["lambda_tracing_mode"] = tracing_mode
    (directory / "terraform.tfvars.json").write_text(json.dumps(inputs), encoding="utf-8")
    env = {**env, "TF_DATA_DIR": str(directory / ".terraform")}
    commands = (
        ["init", "-backend=false", "-input=false"],
        ["apply", "-auto-approve", "-input=false"],
    )
    for argv in (*commands, ["output", "-json"]):
        done = run_terraform([f"-chdir={directory}", *argv, "-no-color"], env=env)
        assert done.returncode == 0, f"terraform {argv[0]}:\n{done.stdout}{done.stderr}"
    return Evaluation(**json.loads(done.stdout)["evaluated"]["value"])
