"""Invokes route handlers in one worker process per route, like separate Lambdas.

The event loop only writes a request line and awaits the reply, so a slow handler never
blocks other connections, and a handler that calls the `@connections` API of this same
gateway over HTTP is served while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from local_gateway.core import HandlerError
from local_gateway.paths import REPO_ROOT
from local_gateway.routes import Route

__all__ = ["FunctionProcess", "ProcessInvoker", "search_path"]

_log = logging.getLogger("local_gateway")

# A reply line carries a whole handler result; results near API Gateway's message quota
# must fit in one line of the pipe reader.
_LINE_LIMIT = 4 * 1024 * 1024


def search_path(source_dir: Path, layer_dirs: Sequence[Path]) -> list[Path]:
    """Where a function's imports are looked for, in Lambda's order.

    The function's code (/var/task) comes first, then the layers' `python/` folder
    (/opt/python): Lambda developer guide, "Dependency search path and
    runtime-included libraries" (https://docs.aws.amazon.com/lambda/latest/dg/python-package.html).
    Lambda unpacks the layers into one /opt in merge order, a later layer's file
    replacing an earlier one's ("Adding layers to functions"); here each layer is a
    folder of its own, so a later layer's folder comes first and its module wins.

    Args:
        source_dir: The function's code, the zip root.
        layer_dirs: Each layer's `python/` folder, in merge order.
    """
    return [source_dir, *reversed(layer_dirs)]


class FunctionProcess:
    """One route's worker process, started on first use as Lambda cold-starts a function.

    Args:
        route: The route whose handler the process serves.
        function_name: The Lambda-like function name given to the handler's context.
        search_path: The folders handler strings are imported from, first match wins.
        environment: The complete environment of the process.
    """

    def __init__(
        self,
        *,
        route: Route,
        function_name: str,
        search_path: Sequence[Path],
        environment: Mapping[str, str],
    ) -> None:
        self._spec = {
            "key": route.key,
            "handler": route.handler,
            "function_name": function_name,
            "memory_size": route.memory_size,
            "timeout": route.timeout,
            "search_path": [str(folder) for folder in search_path],
        }
        self._environment = dict(environment)
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count()
        self._starting = asyncio.Lock()

    async def _ensure_started(self) -> asyncio.subprocess.Process:
        async with self._starting:
            if self._process is None or self._process.returncode is not None:
                self._process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "local_gateway.worker",
                    json.dumps(self._spec),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    env=self._environment,
                    limit=_LINE_LIMIT,
                    # Out of the terminal's process group: Ctrl-C stops the gateway,
                    # which still needs this process to run `$disconnect` as it closes.
                    start_new_session=True,
                )
                self._reader = asyncio.create_task(self._read_replies(self._process))
            return self._process

    async def _read_replies(self, process: asyncio.subprocess.Process) -> None:
        """Resolve each pending invocation with its reply; fail them all if the process dies."""
        assert process.stdout is not None
        async for line in process.stdout:
            reply = json.loads(line)
            future = self._pending.pop(reply["id"], None)
            if future is None or future.done():
                continue
            if "error" in reply:
                future.set_exception(HandlerError(reply["error"]))
            else:
                future.set_result(reply["result"])
        for future in self._pending.values():
            if not future.done():
                future.set_exception(HandlerError(f"{self._spec['key']} worker exited"))
        self._pending.clear()

    async def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler with `event` and return its result.

        Raises:
            HandlerError: The handler raised, or its process died.
        """
        process = await self._ensure_started()
        assert process.stdin is not None
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        line = {"id": request_id, "request_id": str(uuid.uuid4()), "event": event}
        process.stdin.write(json.dumps(line).encode("utf-8") + b"\n")
        await process.stdin.drain()
        return await future

    async def stop(self) -> None:
        """Let running invocations finish, then end the process."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class ProcessInvoker:
    """Implements the core's `Invoker` with one `FunctionProcess` per route key.

    Args:
        search_path: The folders handler strings are imported from (see `search_path`).
        environment: The environment every function gets (the module's variables, the
            local endpoints, credentials); each route's own `environment` is added on top.
        function_prefix: Prefix of the function names, like the module's `name`.
    """

    def __init__(
        self, *, search_path: Sequence[Path], environment: Mapping[str, str], function_prefix: str
    ) -> None:
        self._search_path = list(search_path)
        self._environment = dict(environment)
        self._prefix = function_prefix
        self._functions: dict[str, FunctionProcess] = {}

    def _function(self, route: Route) -> FunctionProcess:
        function = self._functions.get(route.key)
        if function is None:
            name = f"{self._prefix}-{route.key.lstrip('$')}"
            environment = {
                **self._environment,
                **route.environment,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(route.memory_size),
                "PYTHONPATH": str(REPO_ROOT),
            }
            function = FunctionProcess(
                route=route,
                function_name=name,
                search_path=self._search_path,
                environment=environment,
            )
            self._functions[route.key] = function
        return function

    async def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        """Run `route`'s handler in its own process (see `FunctionProcess.invoke`)."""
        return await self._function(route).invoke(event)

    async def aclose(self) -> None:
        """Stop every function process."""
        await asyncio.gather(*(function.stop() for function in self._functions.values()))
