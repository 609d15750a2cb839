"""Layers: a function imports from its own code first, then its layers, as on Lambda."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import websockets

from local_gateway.cli import parse_settings
from local_gateway.paths import REPO_ROOT
from local_gateway.routes import Route, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings

# A route of the consumer's own code that uses the module's package, which its
# source dir does not hold.
HELLO = """
import websocket_handlers
from websocket_handlers import responses


def handler(event, context):
    return responses.ok(f"hello from {websocket_handlers.__name__}")
"""

# A route that says which copy of two modules it imported.
WHICH = """
import origin
import word


def handler(event, context):
    return {"statusCode": 200, "body": f"{word.WORD} {origin.WHERE}"}
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _two_way(key: str, handler: str) -> dict[str, Route]:
    return {key: Route(key=key, handler=handler, two_way_response=True)}


async def _ask(service: GatewayService, action: str) -> str:
    """Connect, send `{"action": action}`, return the reply and disconnect."""
    async with websockets.connect(service.websocket_url) as client:
        await client.send(json.dumps({"action": action}))
        return str(await asyncio.wait_for(client.recv(), 10))


async def test_own_code_without_the_package_imports_it_from_the_module_layer(
    tmp_path: Path,
) -> None:
    """A source dir without websocket_handlers still serves the default routes, and its own
    route imports the package: the module's layer is searched after the function's code."""
    source = tmp_path / "src"
    _write(source / "app" / "__init__.py", "")
    _write(source / "app" / "hello.py", HELLO)
    routes = {**load_routes(), **_two_way("hello", "app.hello.handler")}
    settings = GatewaySettings(port=0, source_dir=source)
    async with GatewayService(settings=settings, routes=routes) as service:
        async with websockets.connect(service.websocket_url) as client:
            await client.send("echoed by $default")
            assert await asyncio.wait_for(client.recv(), 10) == "echoed by $default"
        reply = json.loads(await _ask(service, "hello"))
    assert reply == {"message": "hello from websocket_handlers"}


async def test_code_comes_first_then_the_last_merged_layer(tmp_path: Path) -> None:
    """The function's code shadows every layer; of two layers, the one merged later wins,
    as its files replace the earlier one's in /opt."""
    source = _write(tmp_path / "src" / "which.py", WHICH).parent
    _write(source / "origin.py", "WHERE = 'code'\n")
    first = _write(tmp_path / "first" / "python" / "word.py", "WORD = 'first'\n").parent
    second = _write(tmp_path / "second" / "python" / "word.py", "WORD = 'second'\n").parent
    _write(second / "origin.py", "WHERE = 'second layer'\n")
    settings = GatewaySettings(
        port=0,
        source_dir=source,
        layer_dirs=(REPO_ROOT / "lambda_src", first, second),
    )
    routes = {**load_routes(), **_two_way("which", "which.handler")}
    async with GatewayService(settings=settings, routes=routes) as service:
        assert await _ask(service, "which") == "second code"


def test_layer_dir_option_replaces_the_default_in_the_order_given(tmp_path: Path) -> None:
    """`--layer-dir` may repeat, in merge order; without it the module's own layer is used."""
    settings, _ = parse_settings(["--layer-dir", str(tmp_path / "a"), "--layer-dir", "b"])
    assert settings.layer_dirs == (tmp_path / "a", Path("b").resolve())
    default, _ = parse_settings([])
    assert default.layer_dirs == (REPO_ROOT / "lambda_src",)
