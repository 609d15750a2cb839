"""Execution environments forked from a process with boto3 already imported (the zygote).

Each environment must still be an execution environment of its own, as on Lambda
("Understanding the Lambda execution environment lifecycle",
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): its
handler module imported by itself at its cold start, module-level state its own, its
function's environment variables ("Working with Lambda environment variables",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html) and nobody
else's. A function that bundles its own boto3 must get it (Lambda searches the
function's code before the runtime's libraries,
https://docs.aws.amazon.com/lambda/latest/dg/python-package.html), so its environments
start as new interpreters.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from local_gateway.routes import Route
from local_gateway.service import GatewayService
from local_gateway.zygote import Zygote, needs_fresh_interpreter
from tests.gateway.conftest import until
from tests.gateway.semantics.test_execution_model import gateway, pool

FIRST = Route(
    key="first",
    handler="lifecycle.handlers.describe",
    two_way_response=True,
    environment={"ROUTE_MARK": "first's"},
)
SECOND = Route(
    key="second",
    handler="lifecycle.handlers.describe",
    two_way_response=True,
    environment={"ROUTE_MARK": "second's"},
)


async def describe(client: ClientConnection, route: str) -> dict[str, Any]:
    await client.send(json.dumps({"action": route}))
    return json.loads(await asyncio.wait_for(client.recv(), 20))


async def test_forked_environments_import_their_handler_and_keep_their_own_state_and_env(
    source_dir: Path,
) -> None:
    """Two functions, same handler module: each environment is a fork of the zygote (boto3
    loaded before the handler), imported the handler itself, counts its own invocations,
    sees its own function's variables and leads a session of its own."""
    async with (
        gateway(source_dir, FIRST, SECOND) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        first = [await describe(client, "first") for _ in range(2)]
        second = await describe(client, "second")
        for answer in (*first, second):
            assert answer["boto3_preloaded"] is True
            assert answer["imported_by"] == answer["pid"]
            assert answer["session"] == answer["pid"]  # killed as a group, apart from Ctrl-C
            assert answer["parent"] != os.getpid()  # forked by the zygote, not started by us
            assert answer["cwd"] == os.getcwd()
            assert answer["first_path"] == str(source_dir)
        assert [answer["count"] for answer in first] == [1, 2]
        assert second["count"] == 1
        assert second["pid"] != first[0]["pid"]
        assert [first[0]["mark"], second["mark"]] == ["first's", "second's"]
        assert first[0]["function"] == "websocket-local-first"
        assert second["function"] == "websocket-local-second"
        assert pool(service, "first").environments[0].pid == first[0]["pid"]


async def test_a_killed_forked_environment_is_seen_to_end_and_replaced(source_dir: Path) -> None:
    """The zygote reports the end of an environment it forked (`kill` waits for it); the
    next invocation gets a new one, with fresh module state."""
    async with (
        gateway(source_dir, FIRST) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        before = await describe(client, "first")
        (environment,) = pool(service, "first").environments
        await environment.kill()
        assert not environment.alive
        after = await describe(client, "first")
        assert after["pid"] != before["pid"]
        assert after["count"] == 1


def zygotes() -> list[int]:
    """This process's zygotes (the gateway runs in this process)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or b"local_gateway.zygote" not in (
                (entry / "cmdline").read_bytes()
            ):
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            found.append(int(entry.name))
    return found


async def test_environments_outlive_a_killed_zygote_and_a_new_one_forks_the_next(
    source_dir: Path,
) -> None:
    """The zygote dies: the environment it forked serves on, its end is still noticed
    (by looking for the process), and the next cold start comes from a new zygote."""
    async with (
        gateway(source_dir, FIRST) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        before = await describe(client, "first")
        (zygote,) = zygotes()
        os.kill(zygote, signal.SIGKILL)
        await until(lambda: zygote not in zygotes())
        assert (await describe(client, "first"))["count"] == 2  # same environment
        (environment,) = pool(service, "first").environments
        await asyncio.wait_for(environment.kill(), 10)
        after = await describe(client, "first")
        assert after["pid"] != before["pid"]
        assert after["count"] == 1
        assert after["boto3_preloaded"] is True
        assert len(zygotes()) == 1


def test_a_function_bundling_a_preloaded_package_or_python_variables_starts_fresh(
    tmp_path: Path,
) -> None:
    """Its own boto3 (a folder or a module file) or a `PYTHON*` variable of its own rules
    out a fork; plain code and the zygote's own variables do not."""
    zygote = Zygote(environment={"PYTHONPATH": "/repo", "HOME": "/home"})
    zygote.preloaded = ["boto3", "botocore"]
    plain, bundled, single = tmp_path / "plain", tmp_path / "bundled", tmp_path / "single"
    (plain / "app").mkdir(parents=True)
    (bundled / "boto3").mkdir(parents=True)
    single.mkdir()
    (single / "botocore.py").write_text("")
    shared = {"PYTHONPATH": "/repo", "OTHER": "x"}
    assert not needs_fresh_interpreter([plain], shared, zygote)
    assert needs_fresh_interpreter([plain, bundled], shared, zygote)
    assert needs_fresh_interpreter([single], shared, zygote)
    assert needs_fresh_interpreter([plain], {**shared, "PYTHONHASHSEED": "0"}, zygote)


SDK = Route(key="sdk", handler="lifecycle.handlers.sdk_files_read", two_way_response=True)


async def fork_after_parsing(service: GatewayService, key: str) -> None:
    """Wait for the zygote to parse botocore's data ahead; the next invocation of `key`
    then runs in an environment forked after that."""
    assert service.invoker is not None
    assert service.invoker.zygote is not None
    await asyncio.wait_for(service.invoker.zygote.sdk_parsed.wait(), 20)
    pool(service, key).reload()


async def files_read(client: ClientConnection, service: str) -> dict[str, Any]:
    await client.send(json.dumps({"action": "sdk", "service": service}))
    return json.loads(await asyncio.wait_for(client.recv(), 20))


async def test_forked_environments_find_the_sdk_data_of_the_modules_services_parsed(
    source_dir: Path,
) -> None:
    """Once the zygote has been idle and parsed them, a new boto3 session in an environment
    forked after that builds a client of the services the module's handlers call without
    reading a data file. Another service's files are read by the environment itself, once."""
    async with (
        gateway(source_dir, SDK) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        await fork_after_parsing(service, "sdk")
        for name in ("apigatewaymanagementapi", "dynamodb"):
            assert (await files_read(client, name))["read"] == []
        management = await files_read(client, "apigatewaymanagementapi")
        assert "PostToConnection" in management["operations"]
        first_sqs = await files_read(client, "sqs")
        assert any("/data/sqs/" in path for path in first_sqs["read"])
        assert "SendMessage" in first_sqs["operations"]
        assert (await files_read(client, "sqs"))["read"] == []


async def test_a_functions_own_aws_data_path_is_read_not_the_shared_data(
    source_dir: Path, tmp_path: Path
) -> None:
    """A function whose `AWS_DATA_PATH` holds its own model of a service gets that model,
    as boto3 on Lambda would read it, not the one parsed for every environment."""
    from botocore.loaders import Loader  # noqa: PLC0415

    builtin = Loader()
    version = builtin.determine_latest_version("apigatewaymanagementapi", "service-2")
    model = builtin.load_service_model("apigatewaymanagementapi", "service-2", version)
    extra = {**model["operations"]["GetConnection"], "name": "LocalOnly"}
    extra["http"] = {**extra["http"], "requestUri": "/@connections/{connectionId}/local"}
    model["operations"]["LocalOnly"] = extra
    folder = tmp_path / "models" / "apigatewaymanagementapi" / version
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(model))
    own = Route(
        key="sdk",
        handler=SDK.handler,
        two_way_response=True,
        environment={"AWS_DATA_PATH": str(tmp_path / "models")},
    )
    async with (
        gateway(source_dir, own) as service,
        websockets.connect(service.websocket_url) as client,
    ):
        await fork_after_parsing(service, "sdk")
        answer = await files_read(client, "apigatewaymanagementapi")
        assert "LocalOnly" in answer["operations"]
        assert str(folder / "service-2") in answer["read"]  # botocore adds the extension
