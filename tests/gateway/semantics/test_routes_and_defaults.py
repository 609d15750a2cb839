"""Routes and defaults: the gateway serves what the Terraform module deploys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from websocket_handlers import contract as handlers_contract
from websocket_handlers.contract import CONTRACT

from local_gateway import contract as gateway_contract
from local_gateway.cli import parse_settings
from local_gateway.contract import MESSAGE_BYTES
from local_gateway.paths import REPO_ROOT
from local_gateway.routes import Route, RouteError, RouteTable, load_routes

# The module's variable (contract.json's `module_defaults`) behind each CLI default.
_DEFAULTED = {
    "stage_name": "stage",
    "route_selection_expression": "route_selection_expression",
    "connection_ttl_seconds": "connection_ttl_seconds",
    "throttling_burst_limit": "throttling_burst_limit",
    "throttling_rate_limit": "throttling_rate_limit",
}


def test_cli_defaults_equal_the_module_variable_defaults() -> None:
    """Stage, selection expression, TTL and throttling default to the module's defaults, from
    contract.json (whose values tests/static/test_tf_contract.py holds to variables.tf)."""
    module_defaults = CONTRACT["module_defaults"]
    settings, routes_file = parse_settings([])
    assert routes_file is None
    for variable, attribute in _DEFAULTED.items():
        assert getattr(settings, attribute) == module_defaults[variable], variable


def test_routes_without_memory_or_timeout_get_the_module_defaults(tmp_path: Path) -> None:
    """A route that sets no memory size or timeout runs with the module's
    `lambda_memory_size` and `lambda_timeout`, as its function would on AWS."""
    module_defaults = CONTRACT["module_defaults"]
    custom = tmp_path / "routes.json"
    custom.write_text(json.dumps({"plain": {"handler": "app.plain.handler"}}))
    routes = load_routes(custom)
    for route in [*routes.values(), Route(key="direct", handler="app.direct.handler")]:
        assert route.memory_size == module_defaults["lambda_memory_size"], route.key
        assert route.timeout == module_defaults["lambda_timeout"], route.key


def test_gateway_reads_the_contract_the_handlers_ship() -> None:
    """The gateway's table names, environment names and message quota are the ones the
    handlers read, from the same contract.json."""
    assert (
        Path(handlers_contract.__file__).with_name("contract.json")
        == gateway_contract.CONTRACT_FILE
    )
    for name in (
        "HASH_KEY",
        "TTL_ATTRIBUTE",
        "ENV_CONNECTIONS_TABLE",
        "ENV_CONNECTION_TTL_SECONDS",
        "ENV_MANAGEMENT_API_ENDPOINT",
        "MESSAGE_BYTES",
    ):
        assert getattr(gateway_contract, name) == getattr(handlers_contract, name), name


def test_limits_default_to_api_gateways_quotas() -> None:
    """Idle timeout, maximum duration and the message quota are API Gateway's, as
    contract.json records them."""
    quotas = CONTRACT["api_gateway_quotas"]
    settings, _ = parse_settings([])
    assert settings.idle_timeout == quotas["idle_timeout_seconds"] == 600
    assert settings.max_duration == quotas["connection_duration_seconds"] == 7200
    assert MESSAGE_BYTES == quotas["message_bytes"] == 128 * 1024


def test_default_routes_come_from_the_shared_file() -> None:
    """The gateway's routes are exactly default_routes.json, which Terraform also reads."""
    shared = json.loads((REPO_ROOT / "default_routes.json").read_text(encoding="utf-8"))
    routes = load_routes()
    assert {key: route.handler for key, route in routes.items()} == {
        key: spec["handler"] for key, spec in shared.items()
    }


def test_routes_file_adds_and_replaces_routes(tmp_path: Path) -> None:
    """A routes file in the module's `routes` shape adds routes and replaces same-key ones."""
    custom = tmp_path / "routes.json"
    custom.write_text(
        json.dumps(
            {
                "broadcast": {"handler": "chat.broadcast.handler", "manage_connections": True},
                "$default": {"handler": "mine.echo.handler", "two_way_response": True},
            }
        )
    )
    routes = load_routes(custom)
    assert routes["broadcast"].handler == "chat.broadcast.handler"
    assert routes["$default"] == Route(
        key="$default", handler="mine.echo.handler", two_way_response=True
    )
    assert routes["$connect"].handler == "websocket_handlers.connect.handler"


@pytest.mark.parametrize(
    "spec",
    [{"handler": "nodots"}, {"handler": "a.b", "memroy_size": 128}, {}],
    ids=["bad-handler", "typo", "missing-handler"],
)
def test_invalid_route_specs_are_refused(tmp_path: Path, spec: dict) -> None:
    """A route without a dotted handler or with an unknown attribute fails with a clear error."""
    custom = tmp_path / "routes.json"
    custom.write_text(json.dumps({"x": spec}))
    with pytest.raises(RouteError, match="route 'x'"):
        load_routes(custom)


@pytest.mark.parametrize(
    ("expression", "body", "key"),
    [
        ("$request.body.action", '{"action": "join"}', "join"),
        ("$request.body.meta.kind", '{"meta": {"kind": "chat"}}', "chat"),
        ("${request.body.service}/${request.body.op}", '{"service": "a", "op": "b"}', "a/b"),
        ("$request.body.action", '{"action": 5}', "5"),
        ("$request.body.action", '{"action": 1.5}', "1.5"),
        ("$request.body.action", '{"action": false}', "false"),
        ("$request.body.action", '{"action": null}', None),
        ("$request.body.action", '{"action": {"x": 1}}', None),
        ("$request.body.action", '{"other": "x"}', None),
        ("$request.body.action", "[1, 2]", None),
        ("$request.body.action", "", None),
    ],
)
def test_selection_expression_evaluation(expression: str, body: str, key: str | None) -> None:
    """The expression reads the JSON body and stringifies numbers and booleans; null, objects
    and arrays select nothing."""
    table = RouteTable(routes={}, selection_expression=expression)
    assert table.select_key(body) == key


def test_dollar_routes_are_never_selected_by_a_message() -> None:
    """A message whose action is `$connect` goes to $default, not to the connect handler."""
    table = RouteTable(routes=load_routes(), selection_expression="$request.body.action")
    route = table.select('{"action": "$connect"}')
    assert route is not None
    assert route.key == "$default"


def test_expression_without_body_reference_is_refused() -> None:
    """Only body-based selection expressions are supported, and others fail loudly."""
    with pytest.raises(RouteError):
        RouteTable(routes={}, selection_expression="$request.header.x")
