"""What a reviewer checks in the plan of `examples/complete`, asserted on `terraform show -json`."""

from __future__ import annotations

import json
from typing import Any

from tests.plan_apply.helpers import resource_changes, source_path

API = "module.websocket.module.api"
ROUTE_KEYS = ("$connect", "$disconnect", "$default", "echo")
DEFAULT_ROUTES = json.loads(source_path("../../default_routes.json").read_text())


def after(plan: dict[str, Any], address: str) -> dict[str, Any]:
    """The planned values of the resource at `address`."""
    return resource_changes(plan)[address]["change"]["after"]


def test_plan_creates_exactly_the_expected_resources(complete_plan: dict[str, Any]) -> None:
    """The plan creates the region's logging role, the API, its self-deploying stage
    with access logs, the table, the handlers layer, one function stack per route, the
    alarms with their topic and its key, the dashboard, and the custom domain with its
    certificate, and nothing else."""
    expected = {
        "module.api_gateway_account.aws_iam_role.this",
        "module.api_gateway_account.aws_iam_role_policy_attachment.this",
        "module.api_gateway_account.aws_api_gateway_account.this",
        f"{API}.aws_apigatewayv2_api.this",
        f"{API}.aws_apigatewayv2_stage.this",
        f"{API}.aws_cloudwatch_log_group.this[0]",
        f'{API}.aws_apigatewayv2_route_response.this["echo"]',
        "module.websocket.module.connections_table.aws_dynamodb_table.this",
        "module.websocket.aws_lambda_layer_version.handlers",
        # The alarms' topic and its key, every alarm, and the dashboard.
        "aws_sns_topic.alarms",
        "aws_kms_key.alarms",
        "module.websocket.module.alarms.aws_cloudwatch_dashboard.this[0]",
        # The custom domain, its mapping and alias record, and its certificate
        # validated by DNS.
        "module.websocket.module.custom_domain[0].aws_apigatewayv2_domain_name.this",
        "module.websocket.module.custom_domain[0].aws_apigatewayv2_api_mapping.this",
        "module.websocket.module.custom_domain[0].aws_route53_record.this[0]",
        "aws_acm_certificate.websocket",
        'aws_route53_record.certificate_validation["ws.example.com"]',
        "aws_acm_certificate_validation.websocket",
        # The $connect authorizer, its function stack and permission, and the key
        # of its token secret.
        f"{API}.aws_apigatewayv2_authorizer.this[0]",
        f"{API}.aws_lambda_permission.authorizer[0]",
        "module.websocket.module.authorizer[0].aws_lambda_function.this",
        "module.websocket.module.authorizer[0].aws_iam_role.this",
        "module.websocket.module.authorizer[0].aws_iam_role_policy.this",
        "module.websocket.module.authorizer[0].aws_cloudwatch_log_group.this",
        "aws_kms_key.token_secret",
    }
    alarms = "module.websocket.module.alarms.aws_cloudwatch_metric_alarm.this"
    expected |= {
        f'{alarms}["{key}"]'
        for key in (
            "api/integration_errors",
            "api/execution_errors",
            "table/read_throttles",
            "table/write_throttles",
            "$default/send_failures",
            "echo/send_failures",
            *(
                f"{function}/{kind}"
                for function in (*ROUTE_KEYS, "connect-authorizer")
                for kind in ("errors", "throttles")
            ),
        )
    }
    for key in ROUTE_KEYS:
        expected |= {
            f'{API}.aws_apigatewayv2_integration.this["{key}"]',
            f'{API}.aws_apigatewayv2_route.this["{key}"]',
            f'{API}.aws_lambda_permission.this["{key}"]',
        }
        function = f'module.websocket.module.functions["{key}"]'
        expected |= {
            f"{function}.aws_lambda_function.this",
            f"{function}.aws_iam_role.this",
            f"{function}.aws_iam_role_policy.this",
            f"{function}.aws_cloudwatch_log_group.this",
        }
    changes = resource_changes(complete_plan)
    assert set(changes) == expected
    assert {tuple(c["change"]["actions"]) for c in changes.values()} == {("create",)}


def test_api_is_websocket_with_the_selection_expression(complete_plan: dict[str, Any]) -> None:
    """The API speaks WebSocket and picks routes by the configured body field."""
    api = after(complete_plan, f"{API}.aws_apigatewayv2_api.this")
    assert api["protocol_type"] == "WEBSOCKET"
    assert api["route_selection_expression"] == "$request.body.action"


def test_each_route_has_a_proxy_integration_and_its_handler(complete_plan: dict[str, Any]) -> None:
    """Every route key has a route, an AWS_PROXY integration and a function with its handler."""
    handlers = {key: route["handler"] for key, route in DEFAULT_ROUTES.items()}
    handlers["echo"] = "websocket_handlers.echo.handler"
    for key, handler in handlers.items():
        route = after(complete_plan, f'{API}.aws_apigatewayv2_route.this["{key}"]')
        integration = after(complete_plan, f'{API}.aws_apigatewayv2_integration.this["{key}"]')
        function = after(
            complete_plan, f'module.websocket.module.functions["{key}"].aws_lambda_function.this'
        )
        assert route["route_key"] == key
        assert integration["integration_type"] == "AWS_PROXY"
        assert integration["integration_method"] == "POST"
        assert function["handler"] == handler


def test_connections_table_has_ttl_pitr_and_encryption(complete_plan: dict[str, Any]) -> None:
    """The table is keyed by connectionId, expires records on `ttl`, keeps backups, is encrypted."""
    table = after(
        complete_plan, "module.websocket.module.connections_table.aws_dynamodb_table.this"
    )
    assert table["hash_key"] == "connectionId"
    assert table["attribute"] == [{"name": "connectionId", "type": "S"}]
    assert table["ttl"] == [{"attribute_name": "ttl", "enabled": True}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    # Without a KMS key the module asks for DynamoDB's own key, which AWS always applies.
    assert table["server_side_encryption"] == [{"enabled": False}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"


def test_functions_have_the_configured_runtime_and_settings(complete_plan: dict[str, Any]) -> None:
    """Runtime, architecture, memory, timeout and environment follow inputs and overrides."""
    for key in ROUTE_KEYS:
        function = after(
            complete_plan, f'module.websocket.module.functions["{key}"].aws_lambda_function.this'
        )
        overridden = key == "echo"
        assert function["runtime"] == "python3.13"
        assert function["architectures"] == ["arm64"]
        assert function["memory_size"] == 256
        assert function["timeout"] == (5 if overridden else 10)
        assert function["environment"] == [
            {
                "variables": {
                    "CONNECTIONS_TABLE": "websocket-complete-connections",
                    "CONNECTION_TTL_SECONDS": "7200",
                    # Known at plan: execute-api is off, so @connections goes
                    # through the custom domain and its mapping path.
                    "MANAGEMENT_API_ENDPOINT": "https://ws.example.com/v1",
                    "METRICS_NAMESPACE": "WebSocketComplete",
                }
            }
        ]


def test_log_groups_keep_logs_for_the_configured_days(complete_plan: dict[str, Any]) -> None:
    """Each function's log group and the stage's access log group keep logs 30 days."""
    groups = [
        f'module.websocket.module.functions["{k}"].aws_cloudwatch_log_group.this'
        for k in ROUTE_KEYS
    ]
    groups.append(f"{API}.aws_cloudwatch_log_group.this[0]")
    for address in groups:
        assert after(complete_plan, address)["retention_in_days"] == 30
    echo_group = after(complete_plan, groups[ROUTE_KEYS.index("echo")])
    assert echo_group["name"] == "/aws/lambda/websocket-complete-echo"


def test_stage_throttles_and_writes_json_access_logs(complete_plan: dict[str, Any]) -> None:
    """The stage throttles as configured and logs one JSON object per request with its ids."""
    stage = after(complete_plan, f"{API}.aws_apigatewayv2_stage.this")
    assert stage["name"] == "prod"
    settings = stage["default_route_settings"][0]
    assert (settings["throttling_burst_limit"], settings["throttling_rate_limit"]) == (200, 100)
    log_format = json.loads(stage["access_log_settings"][0]["format"])
    assert log_format["connectionId"] == "$context.connectionId"
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["routeKey"] == "$context.routeKey"


def test_outputs_are_all_planned(complete_plan: dict[str, Any]) -> None:
    """Every output of the example is in the plan, known values where the inputs fix them."""
    outputs = complete_plan["output_changes"]
    assert set(outputs) == {
        "stage_invoke_url",
        "stage_connections_endpoint",
        "api_id",
        "connections_table_name",
        "function_names",
        "function_log_group_names",
        "access_log_group_name",
        "alarm_arns",
        "dashboard_name",
        "domain_name_invoke_url",
        "connect_authorizer_function_name",
        "token_secret_key_arn",
    }
    assert outputs["connections_table_name"]["after"] == "websocket-complete-connections"
    assert outputs["dashboard_name"]["after"] == "websocket-complete-websocket-eu-west-1"
    assert outputs["domain_name_invoke_url"]["after"] == "wss://ws.example.com/v1"
    assert outputs["function_names"]["after"]["echo"] == "websocket-complete-echo"


def test_connect_is_authorized_by_the_example_authorizer(complete_plan: dict[str, Any]) -> None:
    """$connect alone is CUSTOM, through a REQUEST authorizer on the query string token
    whose function reads the example's SSM parameter; no other route is authorized."""
    authorizer = after(complete_plan, f"{API}.aws_apigatewayv2_authorizer.this[0]")
    assert authorizer["authorizer_type"] == "REQUEST"
    assert authorizer["identity_sources"] == ["route.request.querystring.token"]
    assert authorizer.get("authorizer_result_ttl_in_seconds") is None
    for key in ROUTE_KEYS:
        route = after(complete_plan, f'{API}.aws_apigatewayv2_route.this["{key}"]')
        assert route.get("authorization_type") == ("CUSTOM" if key == "$connect" else None), key
    function = after(
        complete_plan, "module.websocket.module.authorizer[0].aws_lambda_function.this"
    )
    assert function["handler"] == "websocket_handlers.authorizer.handler"
    assert function["function_name"] == "websocket-complete-connect-authorizer"
    assert complete_plan["output_changes"]["connect_authorizer_function_name"]["after"] == (
        "websocket-complete-connect-authorizer"
    )
