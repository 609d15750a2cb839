"""Both examples served with `--terraform`, as their READMEs tell a consumer to run them."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import websockets
from websocket_handlers.tokens import mint

from local_gateway.paths import REPO_ROOT
from local_gateway.terraform_source import PlannedStack
from tests.gateway.terraform.conftest import plan, serving

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

# The SSM parameter examples/complete names as its authorizer's token secret.
_SECRET_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/websocket-complete/token-secret"


@pytest.fixture(scope="module")
def custom_handlers(plan_cache: Path) -> PlannedStack:
    """examples/custom-handlers, planned once for the module."""
    return plan(REPO_ROOT / "examples" / "custom-handlers", plan_cache)[0]


@pytest.fixture(scope="module")
def complete(plan_cache: Path) -> PlannedStack:
    """examples/complete, planned once for the module."""
    return plan(REPO_ROOT / "examples" / "complete", plan_cache)[0]


async def test_custom_handlers_broadcast_reaches_both_chatting_clients(
    custom_handlers: PlannedStack,
) -> None:
    """Two clients chat: `broadcast` from one reaches both, each from the other's message."""
    async with serving(custom_handlers) as (service, run):
        assert run.routes["broadcast"].handler == "chat.broadcast.handler"
        assert run.routes["broadcast"].timeout == 29  # the example's own, not a default
        async with (
            websockets.connect(service.websocket_url) as ada,
            websockets.connect(service.websocket_url) as bob,
        ):
            await ada.send(json.dumps({"action": "broadcast", "message": "hello from ada"}))
            assert await asyncio.wait_for(bob.recv(), 30) == "hello from ada"
            assert await asyncio.wait_for(ada.recv(), 30) == "hello from ada"
            await bob.send(json.dumps({"action": "broadcast", "message": "hi ada"}))
            assert await asyncio.wait_for(ada.recv(), 30) == "hi ada"
            assert await asyncio.wait_for(bob.recv(), 30) == "hi ada"


async def test_complete_example_serves_its_stage_authorizer_and_two_way_echo(
    complete: PlannedStack,
) -> None:
    """The complete example's `prod` stage, its throttling, its `$connect` authorizer (the
    secret given locally by ARN, the audience made of the local API id) and its two-way
    `echo` route."""
    secret = "a-local-token-secret-at-least-32-bytes-long"
    async with serving(complete, secrets={_SECRET_ARN: secret}) as (service, run):
        assert service.websocket_url.endswith("/prod")
        assert (run.settings.throttling_burst_limit, run.settings.throttling_rate_limit) == (
            200,
            100,
        )
        echo = run.routes["echo"]
        assert (echo.two_way_response, echo.memory_size, echo.timeout) == (True, 256, 5)
        audience = run.settings.authorizer.environment["AUTHORIZER_AUDIENCE"]
        assert audience == f"{run.settings.api_id}/prod"
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(service.websocket_url):
                pass
        assert refused.value.response.status_code == 401
        token = mint(secret.encode(), "ada", 300, now=time.time(), audience=audience)
        async with websockets.connect(f"{service.websocket_url}?token={token}") as client:
            message = json.dumps({"action": "echo", "text": "hello"})
            await client.send(message)
            assert await asyncio.wait_for(client.recv(), 30) == message
            assert json.loads(await asyncio.wait_for(client.recv(), 30)) == {"message": "Sent"}
