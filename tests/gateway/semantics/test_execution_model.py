"""Execution environments like Lambda's, seen by real WebSocket clients through the gateway.

Lambda runs one invocation at a time in each execution environment, adds environments as
invocations overlap, keeps module-level state per environment, discards an environment
whose invocation timed out and shuts idle ones down ("Understanding the Lambda execution
environment lifecycle", https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
Past a reserved concurrency Lambda throttles (429), which API Gateway answers with
"Internal server error"; past its integration timeout (29 s at most for WebSocket APIs,
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html)
API Gateway answers "Endpoint request timed out" and the function runs on.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from local_gateway.pool import FunctionPool
from local_gateway.routes import Route, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import until

COUNT = Route(key="count", handler="lifecycle.handlers.count", two_way_response=True)


@asynccontextmanager
async def gateway(
    source_dir: Path, *routes: Route, **settings: Any
) -> AsyncIterator[GatewayService]:
    """A gateway on a free port serving the default routes plus `routes`."""
    base = GatewaySettings(port=0, source_dir=source_dir)
    service = GatewayService(
        settings=replace(base, **settings),
        routes={**load_routes(), **{route.key: route for route in routes}},
    )
    async with service:
        yield service


def pool(service: GatewayService, key: str) -> FunctionPool:
    assert service.invoker is not None
    found = service.invoker.pool(key)
    assert found is not None
    return found


def alive(pid: int) -> bool:
    """Whether a process still exists and has not ended (zombies count as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@asynccontextmanager
async def one_held(
    source_dir: Path, release: Path, **settings: Any
) -> AsyncIterator[tuple[GatewayService, ClientConnection, ClientConnection]]:
    """A gateway serving `count`, a client whose invocation of it is held until `release`
    exists, and a second client."""
    async with (
        gateway(source_dir, COUNT, **settings) as service,
        websockets.connect(service.websocket_url) as holder,
        websockets.connect(service.websocket_url) as second,
    ):
        await holder.send(json.dumps({"action": "count", "release": str(release)}))
        await until(lambda: pool(service, "count").busy == 1)
        yield service, holder, second


async def ask(client: ClientConnection, **message: Any) -> dict[str, Any]:
    await client.send(json.dumps(message))
    return json.loads(await asyncio.wait_for(client.recv(), 20))


async def test_sequential_invocations_reuse_one_environment_and_its_globals(
    source_dir: Path,
) -> None:
    """One message after another: the same environment, its module-level count growing."""
    async with (
        gateway(source_dir, COUNT) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        answers = [await ask(client, action="count") for _ in range(3)]
        assert {answer["pid"] for answer in answers} == {answers[0]["pid"]}
        assert [answer["count"] for answer in answers] == [1, 2, 3]
        assert len(pool(service, "count").environments) == 1


async def test_overlapping_invocations_get_environments_of_their_own(
    source_dir: Path, tmp_path: Path
) -> None:
    """Three invocations at once: three environments (cold starts), each with its own state."""
    release = tmp_path / "release"
    async with gateway(source_dir, COUNT) as service, AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(websockets.connect(service.websocket_url))
            for _ in range(3)
        ]
        for client in clients:
            await client.send(json.dumps({"action": "count", "release": str(release)}))
        await until(lambda: pool(service, "count").busy == 3)
        release.touch()
        answers = [json.loads(await asyncio.wait_for(c.recv(), 20)) for c in clients]
        assert len({answer["pid"] for answer in answers}) == 3
        assert [answer["count"] for answer in answers] == [1, 1, 1]
        # Sequential again: one of the now idle environments is reused, its count goes on.
        again = await ask(clients[0], action="count")
        assert again["pid"] in {answer["pid"] for answer in answers}
        assert again["count"] == 2


async def test_timed_out_environment_is_killed_with_its_children_and_replaced(
    source_dir: Path, tmp_path: Path
) -> None:
    """A timeout kills the environment's whole process tree, prints Lambda's line tagged
    like the handler's, and the next invocation gets a fresh environment."""
    hang = Route(key="hang", handler="lifecycle.handlers.hang_with_child", timeout=1)
    pids = tmp_path / "pids"
    async with (
        gateway(source_dir, hang, COUNT) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        error = await ask(client, action="hang", pids=str(pids))
        assert error["message"] == "Internal server error"
        worker, child = (int(pid) for pid in pids.read_text().split())
        await until(lambda: not alive(worker) and not alive(child))
        tag = f"[hang {error['connectionId']}]"
        assert f"{tag} Task timed out after 1.00 seconds" in service.console_log.recent()
        assert pool(service, "hang").environments == []
        # The connection serves on.
        assert (await ask(client, action="count"))["count"] == 1


async def test_reserved_concurrency_throttles_like_lambda(source_dir: Path, tmp_path: Path) -> None:
    """Past the reserved concurrency the invocation is throttled at once, not queued:
    the client gets API Gateway's "Internal server error", the console Lambda's 429."""
    release = tmp_path / "release"
    async with one_held(source_dir, release, reserved_concurrency=1) as (service, holder, second):
        throttled = await ask(second, action="count")
        assert throttled["message"] == "Internal server error"
        assert any(
            line.startswith(f"[count {throttled['connectionId']}] Rate Exceeded.")
            for line in service.console_log.recent()
        )
        release.touch()
        assert json.loads(await asyncio.wait_for(holder.recv(), 20))["count"] == 1
        assert (await ask(second, action="count"))["count"] == 2


async def test_past_the_machine_limit_invocations_wait_for_an_environment(
    source_dir: Path, tmp_path: Path
) -> None:
    """`max_environments` bounds the processes; an invocation past it waits, not fails."""
    release = tmp_path / "release"
    async with one_held(source_dir, release, max_environments=1) as (_, first, second):
        await second.send(json.dumps({"action": "count"}))
        release.touch()
        answers = [json.loads(await asyncio.wait_for(c.recv(), 20)) for c in (first, second)]
        assert [answer["count"] for answer in answers] == [1, 2]
        assert answers[0]["pid"] == answers[1]["pid"]


async def test_at_the_machine_limit_a_new_environment_replaces_another_functions_idle_one(
    source_dir: Path,
) -> None:
    """With room for one environment, the functions take turns: an invocation of another
    function shuts down the idle environment and cold-starts its own."""
    async with (
        gateway(source_dir, COUNT, max_environments=1) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        first = await ask(client, action="count")
        await client.send("echo")
        assert await asyncio.wait_for(client.recv(), 20) == "echo"
        await until(lambda: not alive(first["pid"]))
        assert pool(service, "count").environments == []
        assert (await ask(client, action="count"))["count"] == 1  # a fresh environment


async def test_at_the_machine_limit_a_function_waits_for_its_own_not_replace_one_just_used(
    source_dir: Path, tmp_path: Path
) -> None:
    """A function that has an environment (busy) does not replace another function's
    environment that was idle only a moment: it waits for its own, which a warm invocation
    frees soon, instead of paying two cold starts (one now, one when the other function
    runs again)."""
    release = tmp_path / "release"
    async with one_held(
        source_dir, release, max_environments=2, replace_idle_environment_after=60
    ) as (service, holder, second):
        (connect_environment,) = pool(service, "$connect").environments
        await second.send(json.dumps({"action": "count"}))
        # Longer than an invocation waits for a busy environment before a cold start.
        await asyncio.sleep(0.5)
        release.touch()
        answers = [json.loads(await asyncio.wait_for(c.recv(), 20)) for c in (holder, second)]
        assert [answer["count"] for answer in answers] == [1, 2]
        assert answers[0]["pid"] == answers[1]["pid"]
        assert pool(service, "$connect").environments == [connect_environment]
        assert connect_environment.pid is not None
        assert alive(connect_environment.pid)


@pytest.mark.parametrize("idle_enough", [0.0, 1.0], ids=["at-once", "after-waiting"])
async def test_at_the_machine_limit_an_environment_idle_long_enough_is_replaced(
    source_dir: Path, tmp_path: Path, idle_enough: float
) -> None:
    """Once another function's environment has been idle `replace_idle_environment_after`
    seconds, an overlapping invocation replaces it and runs while the first is still held:
    at once when it is idle enough already, else as soon as it is (the waiting invocation
    does not wait for its own function's environment to end)."""
    release = tmp_path / "release"
    async with one_held(
        source_dir, release, max_environments=2, replace_idle_environment_after=idle_enough
    ) as (service, holder, second):
        (connect_environment,) = pool(service, "$connect").environments
        answer = await ask(second, action="count")  # while the holder's invocation is held
        assert answer["count"] == 1
        assert answer["pid"] != connect_environment.pid
        assert pool(service, "$connect").environments == []
        assert connect_environment.pid is not None
        await until(lambda: not alive(connect_environment.pid))
        release.touch()
        assert json.loads(await asyncio.wait_for(holder.recv(), 20))["count"] == 1


async def test_integration_timeout_answers_endpoint_request_timed_out_and_the_function_runs_on(
    source_dir: Path, tmp_path: Path
) -> None:
    """API Gateway stops waiting at its integration timeout (here shortened); the client
    gets "Endpoint request timed out", and the invocation still runs to its end."""
    late = Route(key="late", handler="lifecycle.handlers.finish_late", timeout=20)
    release, finished = tmp_path / "release", tmp_path / "finished"
    async with (
        gateway(source_dir, late, integration_timeout=3.0) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        error = await ask(client, action="late", release=str(release), finished=str(finished))
        assert error["message"] == "Endpoint request timed out"
        assert error["connectionId"]
        assert error["requestId"]
        release.touch()
        await until(finished.exists)
        await until(lambda: pool(service, "late").busy == 0)
        assert len(pool(service, "late").environments) == 1  # not discarded: no Lambda timeout


async def test_idle_environments_are_shut_down(source_dir: Path) -> None:
    """An environment idle past `idle_environment_seconds` ends; the next message cold-starts."""
    async with (
        gateway(source_dir, COUNT, idle_environment_seconds=0.2) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        first = await ask(client, action="count")
        await until(lambda: not alive(first["pid"]))
        second = await ask(client, action="count")
        assert second["pid"] != first["pid"]
        assert second["count"] == 1


def test_alive_sees_this_process() -> None:
    """The helper the tests above rely on tells a live process from a missing one."""
    assert alive(os.getpid())
    assert not alive(2**22 + 1)
