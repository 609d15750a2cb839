"""Invokes route handlers in execution environments (worker processes), as Lambda does.

Each route's function has a pool of environments (`local_gateway.pool`), one invocation
at a time in each; the event loop only writes a request line and awaits the reply, so a
slow handler never blocks other connections, and a handler that calls the `@connections`
API of this same gateway over HTTP is served while it waits.

On top of Lambda, API Gateway stops waiting after its integration timeout, 29 seconds at
most for WebSocket APIs ("Quotas for configuring and running a WebSocket API",
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
whatever the function's own timeout; the function runs on until that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from local_gateway.console_log import ConsoleLog
from local_gateway.core import IntegrationTimeoutError
from local_gateway.paths import REPO_ROOT
from local_gateway.pool import Capacity, EnvironmentBudget, FunctionPool, InitError
from local_gateway.reload import CodeSnapshot
from local_gateway.routes import Route
from local_gateway.zygote import Zygote, needs_fresh_interpreter

__all__ = [
    "INTEGRATION_TIMEOUT_SECONDS",
    "ProcessInvoker",
    "StartupError",
    "search_path",
    "zygote_environment",
]

# API Gateway's integration timeout quota for WebSocket APIs: 50 ms to 29 s (page above).
INTEGRATION_TIMEOUT_SECONDS = 29.0


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


def zygote_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """The zygote's own environment: what every function's worker gets to start with.

    Each environment it forks gets its function's variables; the `PYTHON*` ones, read at
    interpreter start, are the same for all (`needs_fresh_interpreter`).
    """
    return {**environment, "PYTHONPATH": str(REPO_ROOT)}


class StartupError(Exception):
    """The gateway cannot serve: a code folder is missing or a handler cannot be imported.

    Attributes:
        problems: One line per problem, naming the route, the file and the error.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class ProcessInvoker:
    """Implements the core's `Invoker` with a pool of execution environments per route.

    Args:
        search_path: The folders handler strings are imported from (see `search_path`).
        environment: The environment every function gets (the module's variables, the
            local endpoints, credentials); each route's own `environment` is added on top.
        function_prefix: Prefix of the function names, like the module's `name`.
        console: Where the functions' lines and the gateway's notes about them go.
        max_environments: Execution environments of all functions together at most
            (this machine's limit); past it, invocations wait for a free environment.
        replace_idle_after: Seconds another function's environment must have been idle
            before a function with an environment of its own may replace it
            (`EnvironmentBudget`).
        account_concurrency: Lambda concurrency shared by the functions without a
            reservation, past which invocations are throttled; None: not enforced.
        reserved_concurrency: Each function's own Lambda concurrency (the module's
            `lambda_reserved_concurrency`), past which its invocations are throttled.
        integration_timeout: Seconds API Gateway waits for an invocation (29 on AWS).
        idle_lifetime: Seconds after which an idle environment is shut down.
        reload_interval: Seconds between checks for changed code; None: no reloading.
        zygote: The process environments are forked from, perhaps started already
            (`Zygote.prestart`); by default one with `environment`. The invoker stops it.
    """

    def __init__(
        self,
        *,
        search_path: Sequence[Path],
        environment: Mapping[str, str],
        function_prefix: str,
        console: ConsoleLog,
        max_environments: int = 8,
        replace_idle_after: float = 0.5,
        account_concurrency: int | None = None,
        reserved_concurrency: int | None = None,
        integration_timeout: float = INTEGRATION_TIMEOUT_SECONDS,
        idle_lifetime: float = 300.0,
        reload_interval: float | None = None,
        zygote: Zygote | None = None,
    ) -> None:
        if not 0 < integration_timeout <= INTEGRATION_TIMEOUT_SECONDS:
            raise ValueError(
                f"integration_timeout must be in (0, {INTEGRATION_TIMEOUT_SECONDS}] seconds"
            )
        self._search_path = list(search_path)
        self._environment = dict(environment)
        self._prefix = function_prefix
        self._console = console
        self._budget = EnvironmentBudget(max_environments, replace_idle_after=replace_idle_after)
        self._account = Capacity(account_concurrency) if account_concurrency is not None else None
        self._reserved = reserved_concurrency
        self._integration_timeout = integration_timeout
        self._idle_lifetime = idle_lifetime
        self._reload_interval = reload_interval
        self._pools: dict[str, FunctionPool] = {}
        # Forks the environments, boto3 already imported (`local_gateway.zygote`).
        self._zygote: Zygote | None = zygote or Zygote(
            environment=zygote_environment(self._environment)
        )
        self._running: set[asyncio.Task[Any]] = set()
        self._background: list[asyncio.Task[None]] = []

    def _pool(self, route: Route) -> FunctionPool:
        pool = self._pools.get(route.key)
        if pool is None:
            name = f"{self._prefix}-{route.key.lstrip('$')}"
            spec = {
                "key": route.key,
                "handler": route.handler,
                "function_name": name,
                "memory_size": route.memory_size,
                "timeout": route.timeout,
                "search_path": [str(f) for f in route.search_path or self._search_path],
            }
            environment = {
                **self._environment,
                **route.environment,
                "AWS_LAMBDA_FUNCTION_NAME": name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(route.memory_size),
                "PYTHONPATH": str(REPO_ROOT),
            }
            reserved = (
                route.reserved_concurrency
                if route.reserved_concurrency is not None
                else self._reserved
            )
            capacity = Capacity(reserved) if reserved is not None else self._account
            zygote = self._zygote
            if zygote is not None and needs_fresh_interpreter(
                [Path(folder) for folder in spec["search_path"]], environment, zygote
            ):
                zygote = None
            pool = FunctionPool(
                route=route,
                spec=spec,
                environment=environment,
                console=self._console,
                budget=self._budget,
                capacity=capacity,
                zygote=zygote,
            )
            self._pools[route.key] = pool
        return pool

    def pool(self, route_key: str) -> FunctionPool | None:
        """The environments of one route's function, once it has any."""
        return self._pools.get(route_key)

    async def start(self, routes: Iterable[Route]) -> None:
        """Check every route's code before serving, then watch it and retire idle environments.

        Each handler is imported in an environment of its own, with its route's search
        path and environment, as its first cold start would; that environment is kept as
        the function's first warm one.

        Raises:
            StartupError: A code folder is missing, or a handler cannot be imported.
        """
        routes = list(routes)
        folders = list(
            dict.fromkeys(
                [*self._search_path, *(folder for route in routes for folder in route.search_path)]
            )
        )
        missing = [
            f"code folder {folder} does not exist" for folder in folders if not folder.is_dir()
        ]
        if missing:
            raise StartupError(missing)
        await self._start_zygote()
        problems = await self._prepare([self._pool(route) for route in routes])
        if problems:
            await self.aclose()
            raise StartupError(problems)
        self._background.append(asyncio.create_task(self._retire_idle()))
        if self._reload_interval is not None:
            self._background.append(asyncio.create_task(self._watch(CodeSnapshot(folders))))

    @property
    def zygote(self) -> Zygote | None:
        """The process environments are forked from; None once it could not start."""
        return self._zygote

    async def _start_zygote(self) -> None:
        """Start the process environments are forked from; without it, they are new
        interpreters (slower to start, more memory), and the console says why."""
        assert self._zygote is not None
        try:
            await self._zygote.start()
        except (OSError, RuntimeError) as error:
            self._console.write(f"[gateway] environments start as new interpreters: {error}")
            self._zygote = None

    async def _prepare(self, pools: Sequence[FunctionPool]) -> list[str]:
        """Start one environment per pool; the import problems, one line per route."""
        outcomes = await asyncio.gather(*(pool.prepare() for pool in pools), return_exceptions=True)
        problems = []
        for pool, outcome in zip(pools, outcomes, strict=True):
            if isinstance(outcome, InitError):
                problems.append(
                    f"route {pool.route.key}: cannot import {pool.route.handler}: {outcome.detail}"
                )
            elif isinstance(outcome, BaseException):
                raise outcome
        return problems

    async def _retire_idle(self) -> None:
        interval = min(self._idle_lifetime / 4, 5.0)
        while True:
            await asyncio.sleep(interval)
            for pool in self._pools.values():
                pool.retire_idle(self._idle_lifetime)

    async def _watch(self, snapshot: CodeSnapshot) -> None:
        assert self._reload_interval is not None
        while True:
            await asyncio.sleep(self._reload_interval)
            changed = await asyncio.to_thread(snapshot.changes)
            if changed:
                await self.reload(changed)

    async def reload(self, changed: Sequence[str]) -> None:
        """Run new code from the next invocation on, keeping every connection open.

        Idle environments are shut down now and busy ones after their invocation, so the
        next invocation cold-starts with the new code. Each route's handler is imported
        again at once, so an import error shows on the console now, not at the next
        message; the routes that import cleanly serve on.
        """
        pools = list(self._pools.values())
        for pool in pools:
            pool.reload()
        names = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        self._console.write(
            f"[gateway] reloaded {names}: new invocations of "
            f"{', '.join(pool.route.key for pool in pools)} run the new code"
        )
        for problem in await self._prepare(pools):
            self._console.write(f"[gateway] {problem}")

    async def invoke(self, route: Route, event: dict[str, Any]) -> Any:
        """Run `route`'s handler in one of its environments and return its result.

        Raises:
            HandlerError: The handler failed, timed out or was throttled.
            IntegrationTimeoutError: API Gateway's integration timeout passed first; the
                invocation runs on to its own end.
        """
        task = asyncio.create_task(self._pool(route).invoke(event))
        self._running.add(task)
        task.add_done_callback(self._finished)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self._integration_timeout)
        except TimeoutError:
            raise IntegrationTimeoutError(
                f"no answer within the integration timeout ({self._integration_timeout:g} s)"
            ) from None

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a late failure was already answered for

    async def aclose(self) -> None:
        """Stop watching, then stop every environment (running invocations finish first)."""
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background = []
        await asyncio.gather(*(pool.aclose() for pool in self._pools.values()))
        if self._zygote is not None:
            await self._zygote.aclose()
