"""The resources, settings and permissions the module must create, read from the config."""

from __future__ import annotations

import json

import pytest

from local_gateway.paths import REPO_ROOT
from tools.tfconfig import MODULE_DIRS, blocks, default_routes, load

SUBMODULES = [path for path in MODULE_DIRS if path.startswith("modules/")]
TABLE = "modules/connections-table"
FUNCTION = "modules/lambda-function"
API = "modules/websocket-api"


def _resource(module_dir: str, address: str) -> dict:
    return blocks(load(module_dir), "resource")[address]


def _variable_default(module_dir: str, name: str) -> object:
    return blocks(load(module_dir, "variables.tf"), "variable")[name].get("default")


def test_root_pins_terraform_and_provider_versions() -> None:
    """The root admits Terraform >= 1.7 (removed blocks), aws 5.76.0 to 6.x, archive >= 2.5.0."""
    terraform = load(".", "versions.tf")["terraform"][0]
    providers = terraform["required_providers"][0]
    assert terraform["required_version"] == ">= 1.7"
    assert providers["aws"] == {"source": "hashicorp/aws", "version": ">= 5.76.0, < 7.0"}
    assert providers["archive"] == {"source": "hashicorp/archive", "version": ">= 2.5.0"}


@pytest.mark.parametrize("module_dir", [".", *SUBMODULES])
def test_modules_have_no_provider_blocks(module_dir: str) -> None:
    """Modules leave provider configuration to their caller."""
    assert "provider" not in load(module_dir)


@pytest.mark.parametrize("module_dir", MODULE_DIRS)
def test_each_module_has_the_four_files(module_dir: str) -> None:
    """Each module and example keeps main, variables, outputs and versions apart."""
    names = {path.name for path in (REPO_ROOT / module_dir).glob("*.tf")}
    assert {"main.tf", "outputs.tf", "versions.tf"} <= names
    if not module_dir.startswith("examples/"):
        assert "variables.tf" in names


@pytest.mark.parametrize("module_dir", [".", *SUBMODULES])
@pytest.mark.parametrize("filename", ["variables.tf", "main.tf", "outputs.tf"])
def test_section_banners_follow_the_house_order(module_dir: str, filename: str) -> None:
    """Section banners appear in the order API, Routes, Stage, Custom domain,
    Connections table, Functions, IAM, Logging, Monitoring, so a reader finds an
    input's resource and output by title.
    """
    order = [
        "API",
        "Routes",
        "Stage",
        "Custom domain",
        "Connections table",
        "Functions",
        "IAM",
        "Logging",
        "Monitoring",
    ]
    lines = (REPO_ROOT / module_dir / filename).read_text(encoding="utf-8").splitlines()
    titles = [
        lines[index + 1].removeprefix("# ")
        for index, line in enumerate(lines[:-1])
        if line.startswith("####")
        and lines[index + 1].startswith("# ")
        and not lines[index + 1].startswith("##")
    ]
    assert titles, f"{module_dir}/{filename} has no section banners"
    assert titles == sorted(titles, key=order.index)


def test_connections_table_settings() -> None:
    """On-demand table keyed by a string connection id, TTL on, encrypted, PITR on by default."""
    table = _resource(TABLE, "aws_dynamodb_table.this")
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["hash_key"] == "${var.hash_key}"
    assert table["attribute"] == [{"name": "${var.hash_key}", "type": "S"}]
    assert table["ttl"] == [{"attribute_name": "${var.ttl_attribute_name}", "enabled": True}]
    assert table["point_in_time_recovery"] == [{"enabled": "${var.point_in_time_recovery_enabled}"}]
    assert table["server_side_encryption"] == [
        {"enabled": "${var.kms_key_arn != null}", "kms_key_arn": "${var.kms_key_arn}"}
    ]
    assert table["deletion_protection_enabled"] == "${var.deletion_protection_enabled}"
    assert _variable_default(TABLE, "point_in_time_recovery_enabled") is True
    assert _variable_default(TABLE, "kms_key_arn") is None
    assert _variable_default(".", "point_in_time_recovery_enabled") is True
    assert _variable_default(".", "deletion_protection_enabled") is False


def test_function_writes_json_logs_to_its_own_group_created_first() -> None:
    """Each function logs JSON to /aws/lambda/<name>, which exists before the function."""
    function = _resource(FUNCTION, "aws_lambda_function.this")
    group = _resource(FUNCTION, "aws_cloudwatch_log_group.this")
    assert group["name"] == "/aws/lambda/${var.function_name}"
    assert group["retention_in_days"] == "${var.log_retention_in_days}"
    assert function["logging_config"] == [
        {
            "log_format": "JSON",
            "log_group": "${aws_cloudwatch_log_group.this.name}",
            "application_log_level": "${var.application_log_level}",
            "system_log_level": "${var.system_log_level}",
        }
    ]
    assert "${aws_cloudwatch_log_group.this}" in function["depends_on"]
    assert function["source_code_hash"] == "${var.source_code_hash}"
    assert function["architectures"] == ["${var.architecture}"]


def test_function_role_is_assumed_by_lambda_only() -> None:
    """Only the Lambda service may assume a function role (its grants: tests/plan_apply)."""
    role = _resource(FUNCTION, "aws_iam_role.this")
    assert 'Principal = {Service = "lambda.amazonaws.com"}' in role["assume_role_policy"]


def test_api_is_websocket_with_the_documented_route_selection() -> None:
    """The API speaks WebSocket and picks routes by `$request.body.action` by default."""
    api = _resource(API, "aws_apigatewayv2_api.this")
    assert api["protocol_type"] == "WEBSOCKET"
    assert api["route_selection_expression"] == "${var.route_selection_expression}"
    assert _variable_default(".", "route_selection_expression") == "$request.body.action"


def test_every_route_gets_an_aws_proxy_integration() -> None:
    """One AWS_PROXY integration and one route per route key, wired to each other."""
    integration = _resource(API, "aws_apigatewayv2_integration.this")
    route = _resource(API, "aws_apigatewayv2_route.this")
    assert integration["for_each"] == route["for_each"] == "${var.routes}"
    assert integration["integration_type"] == "AWS_PROXY"
    assert integration["integration_uri"] == "${each.value.invoke_arn}"
    assert route["route_key"] == "${each.key}"
    assert route["target"] == "integrations/${aws_apigatewayv2_integration.this[each.key].id}"


def test_two_way_routes_get_a_route_response() -> None:
    """A two-way route selects `$default` responses and has a route response."""
    route = _resource(API, "aws_apigatewayv2_route.this")
    response = _resource(API, "aws_apigatewayv2_route_response.this")
    assert "$default" in route["route_response_selection_expression"]
    assert response["for_each"] == "${local.two_way_routes}"
    assert response["route_response_key"] == "$default"


def test_stage_throttles_and_writes_json_access_logs_when_asked() -> None:
    """The stage deploys itself (tests/plan_apply/test_live_stage.py proves what it
    serves), throttles by the inputs, and logs JSON to a group with retention only with
    `access_log_enabled` (tests/plan_apply/test_access_logs.py applies both ways).
    """
    stage = _resource(API, "aws_apigatewayv2_stage.this")
    assert stage["auto_deploy"] is True
    assert "deployment_id" not in stage
    assert stage["default_route_settings"] == [
        {
            "throttling_burst_limit": "${var.throttling_burst_limit}",
            "throttling_rate_limit": "${var.throttling_rate_limit}",
        }
    ]
    access_logs = stage["dynamic"][0]["access_log_settings"]
    assert access_logs["for_each"] == "${aws_cloudwatch_log_group.this}"
    assert access_logs["content"][0]["destination_arn"] == "${access_log_settings.value.arn}"
    log_format = blocks(load(API), "locals")["access_log_format"]
    assert log_format.startswith("${jsonencode({")
    assert "$context.connectionId" in log_format
    group = _resource(API, "aws_cloudwatch_log_group.this")
    assert group["count"] == "${var.access_log_enabled ? 1 : 0}"
    assert group["retention_in_days"] == "${var.log_retention_in_days}"
    assert _variable_default(".", "access_log_enabled") is False


def test_root_zips_lambda_sources_deterministically() -> None:
    """One archive_file with fixed modes and the shared excludes feeds source_code_hash,
    unless `lambda_package_path` gives a prebuilt zip."""
    archive = blocks(load("."), "data")["archive_file.lambda"]
    assert archive["source_dir"] == "${local.lambda_source_dir}"
    assert archive["output_file_mode"] == "0644"
    assert archive["excludes"] == '${jsondecode(file("${path.module}/lambda_excludes.json"))}'
    assert archive["output_path"].startswith("${path.root}/.build/")
    functions = blocks(load("."), "module")["functions"]
    assert functions["source_code_hash"] == "${local.lambda_package_hash}"
    assert archive["count"] == "${var.lambda_package_path == null ? 1 : 0}"
    assert functions["for_each"] == "${local.routes}"


def test_root_routes_are_the_json_defaults_merged_with_the_input() -> None:
    """Default routes come from default_routes.json; `routes` adds or replaces them."""
    locals_ = blocks(load("."), "locals")
    assert 'jsondecode(file("${path.module}/default_routes.json"))' in locals_["default_routes"]
    assert locals_["routes"] == "${merge(local.default_routes, var.routes)}"


def test_default_routes_are_least_privilege() -> None:
    """connect may only PutItem, disconnect only DeleteItem, echo DeleteItem and send."""
    routes = default_routes()
    assert {key: route["handler"] for key, route in routes.items()} == {
        "$connect": "websocket_handlers.connect.handler",
        "$disconnect": "websocket_handlers.disconnect.handler",
        "$default": "websocket_handlers.echo.handler",
    }
    assert routes["$connect"]["dynamodb_actions"] == ["dynamodb:PutItem"]
    assert routes["$disconnect"]["dynamodb_actions"] == ["dynamodb:DeleteItem"]
    assert routes["$default"]["dynamodb_actions"] == ["dynamodb:DeleteItem"]
    assert [key for key, route in routes.items() if route["manage_connections"]] == ["$default"]


def test_root_sets_the_contract_environment_on_every_function() -> None:
    """Every function gets CONNECTIONS_TABLE and CONNECTION_TTL_SECONDS from the module,
    under the names contract.json gives them."""
    environment = blocks(load("."), "module")["functions"]["environment_variables"]
    table_name = "(local.contract.environment.connections_table) = module.connections_table"
    assert f"{table_name}.table_name" in environment
    ttl = "(local.contract.environment.connection_ttl_seconds) = tostring("
    assert f"{ttl}var.connection_ttl_seconds)" in environment
    assert _variable_default(".", "connection_ttl_seconds") == 7200
    assert _variable_default(".", "stage_name") == "dev"


def test_log_retention_default_is_a_cloudwatch_value() -> None:
    """The default retention is one CloudWatch accepts, and the validation lists it."""
    variable = blocks(load(".", "variables.tf"), "variable")["log_retention_in_days"]
    assert variable["default"] == 14
    assert "contains([0, 1, 3, 5, 7, 14, 30," in variable["validation"][0]["condition"]


def test_examples_consume_the_module_from_the_repository() -> None:
    """Both examples call the root module by relative path; complete configures aws."""
    for example in ("examples/complete", "examples/custom-handlers"):
        module = blocks(load(example), "module")["websocket"]
        assert module["source"] == "../../"
        assert "provider" in load(example)


def test_custom_handlers_example_brings_a_broadcast_route() -> None:
    """The example zips its own src/ and adds `broadcast` with exactly the rights it needs."""
    module = blocks(load("examples/custom-handlers"), "module")["websocket"]
    assert module["lambda_source_dir"] == "${path.module}/src"
    broadcast = module["routes"]["broadcast"]
    assert broadcast["handler"] == "chat.broadcast.handler"
    assert broadcast["dynamodb_actions"] == ["dynamodb:Scan", "dynamodb:DeleteItem"]
    assert broadcast["manage_connections"] is True


def test_excludes_file_leaves_out_tests_and_caches() -> None:
    """The shared exclusion list names caches, bytecode and tests."""
    patterns = json.loads((REPO_ROOT / "lambda_excludes.json").read_text(encoding="utf-8"))
    assert {"**/__pycache__", "**/*.pyc", "**/tests", "**/test_*.py", "**/conftest.py"} <= set(
        patterns
    )
