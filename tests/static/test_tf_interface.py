"""The module's interface is documented and guarded: inputs, outputs, the README's tables."""

from __future__ import annotations

import re

import pytest

from tools.readme_tables import README, readme_block, render
from tools.tfconfig import MODULE_DIRS, blocks, load

SUBMODULES_AND_ROOT = [path for path in MODULE_DIRS if not path.startswith("examples/")]

# Root inputs where no value can be wrong besides booleans: any tag map works,
# and a missing source directory is reported by archive_file with its path.
ROOT_UNVALIDATED = {"tags", "lambda_source_dir"}


def _variables(module_dir: str) -> dict:
    return blocks(load(module_dir, "variables.tf"), "variable")


def _outputs(module_dir: str) -> dict:
    return blocks(load(module_dir, "outputs.tf"), "output")


@pytest.mark.parametrize("module_dir", SUBMODULES_AND_ROOT)
def test_every_variable_has_type_and_description(module_dir: str) -> None:
    """A user reads each input's type and meaning without opening the code."""
    for name, variable in _variables(module_dir).items():
        assert variable.get("type"), f"{module_dir}: variable {name} has no type"
        assert variable.get("description", "").endswith("."), f"{module_dir}: {name}"


def test_root_variables_validate_every_value_that_can_be_wrong() -> None:
    """Each root input but free-form ones has a validation with a message naming it."""
    for name, variable in _variables(".").items():
        if name in ROOT_UNVALIDATED or variable["type"] == "bool":
            continue
        validations = variable.get("validation", [])
        assert validations, f"variable {name} has no validation"
        for validation in validations:
            assert f"var.{name}" in validation["condition"]
            message = validation["error_message"]
            assert name in message or name == "routes", f"{name}: {message}"


def test_root_variables_list_allowed_values_in_backticks() -> None:
    """Each root description with a choice names the allowed values in backticks."""
    for name, variable in _variables(".").items():
        if variable["type"] in {"string", "number", "bool"} and name != "name":
            assert re.search(r"`[^`]+`", variable["description"]), name


@pytest.mark.parametrize("module_dir", MODULE_DIRS)
def test_every_output_has_a_description(module_dir: str) -> None:
    """Each output says what a consumer uses it for."""
    for name, output in _outputs(module_dir).items():
        assert output.get("description", "").endswith("."), f"{module_dir}: output {name}"


def test_root_outputs_cover_what_a_consumer_needs() -> None:
    """The outputs a consumer needs are there under `<thing>_<attribute>` names."""
    assert {
        "stage_invoke_url",
        "stage_connections_endpoint",
        "stage_name",
        "api_id",
        "api_execution_arn",
        "connections_table_name",
        "connections_table_arn",
        "function_names",
        "function_arns",
        "function_role_arns",
        "function_log_group_names",
        "access_log_group_name",
    } <= set(_outputs("."))


def test_connections_endpoint_is_the_one_the_functions_get() -> None:
    """The output and the functions' MANAGEMENT_API_ENDPOINT read one local (domain.tf);
    tests/plan_apply/test_custom_domain.py checks its value in each combination."""
    value = _outputs(".")["stage_connections_endpoint"]["value"]
    assert value == "${local.management_api_endpoint}"
    functions = blocks(load("."), "module")["functions"]
    assert "local.management_api_endpoint" in str(functions["environment_variables"])


def test_readme_tables_match_variables_and_outputs() -> None:
    """README's terraform-docs block (requirements to outputs) says what the .tf files say."""
    block = readme_block(README.read_text(encoding="utf-8"))
    assert block == render(), "regenerate with: make docs (python -m tools.readme_tables)"
