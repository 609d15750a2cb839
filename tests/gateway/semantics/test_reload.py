"""Hot reload: a changed file under the source folder is used by the next invocation,
and open connections stay open.

serverless-offline reloads handlers with `--reloadHandler`; its users ask for a reload
that keeps sockets (dherault/serverless-offline#909). Here each route's idle execution
environments are retired on a change and busy ones after their invocation, so the next
invocation cold-starts with the new code; an import error shows on the console at once
and the other routes serve on.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import websockets

from local_gateway.routes import Route, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import until

_HANDLER = """
def reply(event, context):
    return {{"statusCode": 200, "body": {body!r}}}
"""


def write_handler(source: Path, text: str) -> None:
    """Write `live/handlers.py` and move its modification time on, as an editor's save does."""
    path = source / "live" / "handlers.py"
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A source folder with one package, `live`, whose handler answers "one"."""
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "__init__.py").write_text("", encoding="utf-8")
    write_handler(tmp_path, _HANDLER.format(body="one"))
    return tmp_path


@pytest_asyncio.fixture
async def service(source: Path) -> AsyncIterator[GatewayService]:
    """A gateway watching `source` every 50 ms, with the `live` route over the defaults."""
    live = Route(key="live", handler="live.handlers.reply", two_way_response=True)
    settings = GatewaySettings(port=0, source_dir=source, reload_interval=0.05)
    async with GatewayService(settings=settings, routes={**load_routes(), "live": live}) as running:
        yield running


def reloads(service: GatewayService) -> list[str]:
    return [line for line in service.console_log.recent() if line.startswith("[gateway] reloaded")]


async def test_changed_handler_runs_on_the_next_message_over_the_same_connection(
    service: GatewayService, source: Path
) -> None:
    """Save a new version: the same open connection gets the new answer next."""
    async with websockets.connect(service.websocket_url) as client:
        await client.send(json.dumps({"action": "live"}))
        assert await asyncio.wait_for(client.recv(), 20) == "one"
        write_handler(source, _HANDLER.format(body="two"))
        await until(lambda: reloads(service) != [])
        assert "live/handlers.py" in reloads(service)[0]
        await client.send(json.dumps({"action": "live"}))
        assert await asyncio.wait_for(client.recv(), 20) == "two"


async def test_import_error_after_reload_is_reported_at_once_and_other_routes_serve(
    service: GatewayService, source: Path
) -> None:
    """A broken save is on the console before any message; the echo route serves on,
    the broken route fails as Lambda does until the file is fixed."""
    async with websockets.connect(service.websocket_url) as client:
        write_handler(source, "def reply(event, context:\n")
        problem = f"[gateway] route live: cannot import live.handlers.reply: {source}"
        await until(lambda: any(line.startswith(problem) for line in service.console_log.recent()))
        line = next(line for line in service.console_log.recent() if line.startswith(problem))
        assert "handlers.py, line 1: SyntaxError" in line
        await client.send("still echoed")
        assert await asyncio.wait_for(client.recv(), 20) == "still echoed"
        await client.send(json.dumps({"action": "live"}))
        assert json.loads(await asyncio.wait_for(client.recv(), 20))["message"] == (
            "Internal server error"
        )
        write_handler(source, _HANDLER.format(body="fixed"))
        await until(lambda: len(reloads(service)) == 2)
        await client.send(json.dumps({"action": "live"}))
        assert await asyncio.wait_for(client.recv(), 20) == "fixed"
