"""The console's HTTP side, driven with aiohttp's client and real WebSocket clients.

The page itself is tested in Chromium (`test_console_page.py`); these tests prove the
endpoints it reads without a browser, so they run wherever the gateway runs.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import aiohttp
import websockets

from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import management_client, until
from tests.gateway.console.conftest import EventStream

STATIC = Path(__file__).resolve().parents[3] / "local_gateway" / "console" / "static"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (directive.split() for directive in policy.split(";") if directive.strip())
    return {name: values for name, *values in parts}


async def test_page_is_served_with_a_policy_that_allows_only_this_gateway(
    console_service: GatewayService,
) -> None:
    """GET / is the page; its policy lets it load its own files and reach this gateway only."""
    async with aiohttp.ClientSession() as http, http.get(console_service.console_url) as page:
        assert page.status == 200
        assert page.content_type == "text/html"
        html = await page.text()
        policy = _directives(page.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", f"ws://127.0.0.1:{console_service.port}"]
    assert policy["form-action"] == ["'none'"]
    assert set(re.findall(r'(?:src|href)="([^"]+)"', html)) == {
        "/_console/static/console.css",
        "/_console/static/console.js",
    }


async def test_page_assets_are_served_and_nothing_else_is(
    console_service: GatewayService,
) -> None:
    """The script and style are served with their types; other names under static/ are 404."""
    base = f"{console_service.console_url}_console/static"
    async with aiohttp.ClientSession() as http:
        for name, media_type in (("console.js", "text/javascript"), ("console.css", "text/css")):
            async with http.get(f"{base}/{name}") as asset:
                assert asset.status == 200, name
                assert asset.content_type == media_type
                assert "Content-Security-Policy" in asset.headers
        for name in ("server.py", "index.htm", "..%2Fserver.py"):
            async with http.get(f"{base}/{name}") as missing:
                assert missing.status == 404, name


def test_static_files_name_no_other_origin() -> None:
    """The page's files load nothing from the network: no absolute http(s) URL in them."""
    for path in STATIC.iterdir():
        assert not re.search(r"https?://", path.read_text(encoding="utf-8")), path.name


async def test_stage_and_console_share_the_port(console_service: GatewayService) -> None:
    """The stage stays at /{stage}: a plain GET there still gets the stage's 426."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{console_service.console_url}_console/config") as config:
            assert await config.json() == {
                "stage": "dev",
                "connectionsTable": console_service.settings.table_name,
            }
        async with http.get(console_service.management_url) as stage:
            assert stage.status == 426


async def test_connections_lists_table_items_with_their_management_description(
    console_service: GatewayService,
) -> None:
    """Each live connection shows its table item and what GET @connections/{id} answers."""
    url = f"{console_service.console_url}_console/connections"
    async with (
        websockets.connect(
            console_service.websocket_url, user_agent_header="console-test/1"
        ) as client,
        aiohttp.ClientSession() as http,
    ):
        await client.send("ping")
        assert await client.recv() == "ping"
        (connection_id,) = [c.connection_id for c in console_service.core.connections]
        async with http.get(url) as response:
            assert response.status == 200
            (row,) = (await response.json())["connections"]
        expected = await asyncio.to_thread(
            management_client(console_service).get_connection, ConnectionId=connection_id
        )
    assert row["connectionId"] == connection_id
    assert row["state"] == "open"
    assert row["item"]["connectionId"] == connection_id
    assert isinstance(row["item"]["ttl"], int)
    management = row["management"]
    assert management["status"] == 200
    assert management["body"]["identity"] == {
        "sourceIp": expected["Identity"]["SourceIp"],
        "userAgent": "console-test/1",
    }
    connected_at = expected["ConnectedAt"].isoformat(timespec="milliseconds")
    assert management["body"]["connectedAt"] == connected_at.replace("+00:00", "Z")


async def test_delete_closes_the_connection_as_management_delete_does(
    console_service: GatewayService,
) -> None:
    """DELETE closes the client with 1000, $disconnect removes the item, a second is 410."""
    async with websockets.connect(console_service.websocket_url) as client:
        (connection_id,) = [c.connection_id for c in console_service.core.connections]
        url = f"{console_service.console_url}_console/connections/{connection_id}"
        listing = f"{console_service.console_url}_console/connections"
        async with aiohttp.ClientSession() as http:
            async with http.delete(url) as deleted:
                assert deleted.status == 204
            await client.wait_closed()
            assert client.close_code == 1000
            rows: list[object] = [None]

            async def list_rows() -> None:
                async with http.get(listing) as response:
                    rows[:] = (await response.json())["connections"]

            async with asyncio.timeout(10):
                while rows:
                    await list_rows()
            async with http.delete(url) as again:
                assert again.status == 410
                assert connection_id in (await again.json())["message"]


async def test_log_stream_replays_recent_lines_then_follows_new_ones(
    console_service: GatewayService,
) -> None:
    """The stream starts with a reset and the recent lines, then each invocation's lines."""
    async with websockets.connect(console_service.websocket_url) as client:
        (connection_id,) = [c.connection_id for c in console_service.core.connections]
        await until(
            lambda: any(connection_id in line for line in console_service.console_log.recent())
        )
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{console_service.console_url}_console/logs") as response,
        ):
            assert response.content_type == "text/event-stream"
            stream = EventStream(response)
            assert await stream.next_event() == ("reset", "")
            connect_line = await stream.until_line(connection_id)
            assert connect_line.startswith(f"[$connect {connection_id}]")
            await client.send("after subscribing")
            assert await client.recv() == "after subscribing"
            await stream.until_line(f"[$default {connection_id}]")


async def test_stopping_the_gateway_ends_open_log_streams(source_dir: Path) -> None:
    """A page left open does not hold the gateway's stop: its log stream is ended."""
    service = GatewayService(settings=GatewaySettings(port=0, source_dir=source_dir))
    await service.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{service.console_url}_console/logs") as response,
        ):
            stream = EventStream(response)
            assert await stream.next_event() == ("reset", "")
            # aiohttp would wait 60 s for a handler still running; the guard is far shorter.
            async with asyncio.timeout(30):
                await service.stop()
                while await stream.next_event() is not None:
                    pass
    finally:
        await service.stop()


async def test_an_item_left_behind_is_listed_as_gone(console_service: GatewayService) -> None:
    """A table item with no live connection (a missed $disconnect) is listed with 410."""
    client = console_service.dynamodb.client()
    await asyncio.to_thread(
        client.put_item,
        TableName=console_service.settings.table_name,
        Item={
            "connectionId": {"S": "left-behind"},
            "ttl": {"N": "1795687217"},
            "ratio": {"N": "0.5"},
            "tags": {"SS": ["b", "a"]},
            "blob": {"B": b"\x00\x01"},
        },
    )
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{console_service.console_url}_console/connections") as response,
    ):
        (row,) = (await response.json())["connections"]
    assert row == {
        "connectionId": "left-behind",
        "item": {
            "connectionId": "left-behind",
            "ttl": 1795687217,
            "ratio": 0.5,
            "tags": ["a", "b"],
            "blob": "AAE=",
        },
        "management": {"status": 410, "body": None},
        "state": "gone",
    }
