"""The console page in a real browser: Debian's Chromium, headless, driven by Playwright.

Playwright drives the system's Chromium (`executable_path`); no browser is downloaded at
test time. `.ci/run` installs Debian's `chromium` package; where neither it nor
Playwright can be had, the test is skipped with the reason. The endpoints the page reads
are tested without a browser in `test_console_endpoints.py`.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from local_gateway.service import GatewayService

async_api = pytest.importorskip(
    "playwright.async_api", reason="Playwright is not installed: pip install -e '.[dev]'"
)

SCREENSHOT = Path(__file__).resolve().parents[3] / ".build" / "console.png"
# Each wait in the page gets this long (milliseconds) before the test fails.
WAIT_MS = 20_000


def _chromium() -> str:
    """The system Chromium's path, or a skip saying why there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "no Chromium on PATH (chromium, chromium-browser or google-chrome): "
        "apt-get install chromium, as .ci/run does"
    )


@pytest_asyncio.fixture
async def page() -> AsyncIterator[Any]:
    """A fresh page in headless Chromium, closed with its browser after the test."""
    executable = _chromium()
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        try:
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            tab = await context.new_page()
            tab.set_default_timeout(WAIT_MS)
            yield tab
        finally:
            await browser.close()


async def test_console_connects_echoes_lists_closes_and_follows_logs(
    page: Any, console_service: GatewayService
) -> None:
    """In Chromium the page connects with a query, echoes, lists, closes, reconnects, logs."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    await page.goto(console_service.console_url)
    await page.wait_for_selector("body[data-ready='true']")
    assert await page.input_value("#url") == console_service.websocket_url

    await page.fill("#query", "?token=from-the-console")
    await page.click("#connect")
    await page.wait_for_selector("#status[data-state='open']")
    connecting = f"connecting to {console_service.websocket_url}?token=from-the-console"
    await page.wait_for_selector(f"#frames tr[data-direction='event'] >> text={connecting}")
    (connection,) = list(console_service.core.connections)
    connection_id = connection.connection_id

    await page.fill("#message", "hello from chromium")
    await page.click("#send")
    await page.wait_for_selector("#frames tr[data-direction='out'] >> text=hello from chromium")
    await page.wait_for_selector("#frames tr[data-direction='in'] >> text=hello from chromium")

    row = f"#connections tr[data-connection-id='{connection_id}']"
    await page.click("#refresh")
    await page.wait_for_selector(row)
    assert await page.inner_text(f"{row} td:nth-child(2)") == "200"
    assert "127.0.0.1" in await page.inner_text(row)

    await page.wait_for_selector(f"#logs .line[data-connection-id='{connection_id}']")
    await page.click(f"{row} button.logs")
    assert await page.input_value("#log-filter") == connection_id
    await page.wait_for_selector("#logs .line[data-route='$default']")
    await page.eval_on_selector("#connections-panel .scroll", "box => (box.scrollLeft = 0)")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOT, full_page=True)

    await page.click(f"{row} button.close")
    await page.wait_for_selector(
        "#frames tr[data-direction='event'] >> text=close 1000 Connection deleted"
    )
    await page.wait_for_selector("#status[data-state='closed']")
    await page.wait_for_selector(row, state="detached")
    assert len(console_service.core.connections) == 0

    await page.click("#reconnect")
    await page.wait_for_selector("#status[data-state='open']")
    assert len(console_service.core.connections) == 1
    await page.click("#disconnect")
    closes = page.locator("#frames tr[data-direction='event']", has_text="close 1000")
    await async_api.expect(closes).to_have_count(2, timeout=WAIT_MS)
    await page.wait_for_selector("#status[data-state='closed']")
    assert not [text for text in violations if "Content Security Policy" in text]

    # Another origin (localhost is not 127.0.0.1) is outside the page's policy.
    await page.fill("#url", console_service.websocket_url.replace("127.0.0.1", "localhost"))
    await page.click("#connect")
    async with asyncio.timeout(WAIT_MS / 1000):
        while not [text for text in violations if "Content Security Policy" in text]:
            await asyncio.sleep(0.05)
    assert len(console_service.core.connections) == 0
