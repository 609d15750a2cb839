"""Routes and defaults: the gateway serves what the Terraform module deploys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local_gateway.cli import parse_settings
from local_gateway.routes import Route, RouteError, RouteTable, load_routes
from local_gateway.settings import REPO_ROOT
from tools.terraform import run

_DEFAULTED = {
    "stage_name": "stage",
    "route_selection_expression": "route_selection_expression",
    "connection_ttl_seconds": "connection_ttl_seconds",
}


def _variable_block(source: str, name: str) -> str:
    """Cut one `variable` block out of a .tf file by matching its braces."""
    start = re.search(rf'^variable "{name}" {{', source, re.MULTILINE)
    assert start, f"variables.tf declares no {name}"
    depth = 0
    for index in range(start.end() - 1, len(source)):
        depth += {"{": 1, "}": -1}.get(source[index], 0)
        if depth == 0:
            return source[start.start() : index + 1]
    raise AssertionError(f"unbalanced block for {name}")


def test_cli_defaults_equal_the_module_variable_defaults(tmp_path: Path) -> None:
    """Stage, selection expression and TTL default to what variables.tf says, per Terraform."""
    source = (REPO_ROOT / "variables.tf").read_text(encoding="utf-8")
    blocks = "\n".join(_variable_block(source, name) for name in _DEFAULTED)
    values = ", ".join(f"{name} = var.{name}" for name in _DEFAULTED)
    (tmp_path / "main.tf").write_text(f'{blocks}\noutput "defaults" {{ value = {{ {values} }} }}\n')
    for argv in (["init", "-backend=false"], ["apply", "-auto-approve"]):
        code, _, err = run([f"-chdir={tmp_path}", *argv, "-input=false"])
        assert code == 0, err
    code, out, err = run([f"-chdir={tmp_path}", "output", "-json"])
    assert code == 0, err
    module_defaults = json.loads(out)["defaults"]["value"]
    settings, routes_file = parse_settings([])
    assert routes_file is None
    for variable, attribute in _DEFAULTED.items():
        assert getattr(settings, attribute) == module_defaults[variable], variable


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
        ("$request.body.action", '{"action": 5}', None),
        ("$request.body.action", '{"other": "x"}', None),
        ("$request.body.action", "[1, 2]", None),
        ("$request.body.action", "", None),
    ],
)
def test_selection_expression_evaluation(expression: str, body: str, key: str | None) -> None:
    """The expression reads string values from the JSON body; anything else selects nothing."""
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
