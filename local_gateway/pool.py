"""Execution environments of one function, added and discarded as Lambda does.

Lambda runs one invocation at a time in each execution environment; when invocations
overlap it starts another environment (a cold start), reuses an idle one when it can,
discards an environment whose invocation timed out, and shuts idle ones down after a
while ("Understanding the Lambda execution environment lifecycle",
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). Each
environment here is a `local_gateway.worker` process of its own.

Two limits apply:

- **Lambda's concurrency** (`Capacity`): the function's reserved concurrency when set
  (the module's `lambda_reserved_concurrency`), or an account concurrency the user sets
  ("Lambda quotas": 1,000 by default, less for new accounts,
  https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). A synchronous
  invocation past it is throttled at once (429 `TooManyRequestsException`, never
  queued), which API Gateway answers with its "Internal server error"
  (https://repost.aws/knowledge-center/api-gateway-internal-server-error).
- **This machine's** (`EnvironmentBudget`): AWS's default of 1,000 concurrent executions
  would be 1,000 processes here. The functions share a number of environments, as they
  share an account's concurrency; when it is reached, a new environment replaces the
  longest-idle one of another function, and with none idle the invocation waits for one
  to finish instead, as if Lambda had capacity to spare (API Gateway's integration
  timeout still counts the wait). A function that has an environment of its own replaces
  only one idle for a while (`EnvironmentBudget`): swapping environments back and forth
  between functions that take turns would make every turn a pair of cold starts.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import Mapping
from typing import Any

from local_gateway.console_log import ConsoleLog
from local_gateway.core import HandlerError
from local_gateway.routes import Route
from local_gateway.zygote import ForkedProcess, Zygote

__all__ = ["Capacity", "Environment", "EnvironmentBudget", "FunctionPool", "InitError"]

# A reply line carries a whole handler result; results near API Gateway's message quota
# must fit in one line of the pipe reader. Log lines get the same room.
_LINE_LIMIT = 4 * 1024 * 1024

# Lambda's Init phase may take 10 seconds ("Init phase", lifecycle page above).
_INIT_LIMIT_SECONDS = 10.0

# How long an invocation waits for a busy environment before starting a new one (see
# `FunctionPool._acquire`): longer than a warm handler usually takes, far shorter than a
# cold start.
_COLD_START_AFTER_SECONDS = 0.05

# The shortest wait before looking again for an environment that may be replaced.
_RECHECK_SECONDS = 0.01

# A stopping environment gets this long to finish its invocation before it is killed.
_STOP_GRACE_SECONDS = 10.0


class InitError(HandlerError):
    """The handler could not be imported in a new environment (Lambda's Init phase failed).

    Attributes:
        detail: The file and the error, e.g. `/src/app.py, line 3: SyntaxError: ...`.
    """

    def __init__(self, route_key: str, detail: str) -> None:
        super().__init__(f"Runtime.ImportModuleError: {detail}")
        self.route_key = route_key
        self.detail = detail


class Capacity:
    """How many invocations may run at once: a function's reservation or the account's pool.

    Args:
        limit: The concurrency; invocations past it are throttled.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"concurrency must be at least 1, got {limit}")
        self.limit = limit
        self.in_use = 0

    def try_acquire(self) -> bool:
        """Count one more running invocation, unless the limit is reached."""
        if self.in_use >= self.limit:
            return False
        self.in_use += 1
        return True

    def release(self) -> None:
        """One invocation ended."""
        self.in_use -= 1


class EnvironmentBudget:
    """How many execution environments every function together may have: this machine's limit.

    At the limit, a function with no environment takes another function's longest-idle one
    at once (else it could not run at all). A function that has one (busy) takes only an
    environment idle for `replace_idle_after` seconds, and otherwise waits for its own:
    a warm invocation frees its environment within milliseconds, while replacing one costs
    a cold start now and another when its function is invoked again. Without that pause,
    functions that take turns (a burst of `$connect`, then messages, then `$disconnect`)
    would trade environments back and forth, a cold start each time.

    Args:
        limit: Live environments (idle, busy or starting) across all functions at most.
        replace_idle_after: Seconds an environment must have been idle before a function
            that has an environment of its own may replace it.
    """

    def __init__(self, limit: int, *, replace_idle_after: float = 0.5) -> None:
        if limit < 1:
            raise ValueError(f"the environment limit must be at least 1, got {limit}")
        if replace_idle_after < 0:
            raise ValueError(
                f"replace_idle_after must be 0 seconds or more, got {replace_idle_after}"
            )
        self.limit = limit
        self.replace_idle_after = replace_idle_after
        self.in_use = 0
        self._pools: list[FunctionPool] = []

    def join(self, pool: FunctionPool) -> None:
        """Let `pool` draw on this budget."""
        self._pools.append(pool)

    def reserve(self, pool: FunctionPool) -> bool:
        """Count one more environment for `pool`, if need be in place of another
        function's longest-idle one; False when none may be replaced (see the class)."""
        if self.in_use < self.limit:
            self.in_use += 1
            return True
        idle_since = time.monotonic() - (self.replace_idle_after if pool.environments else 0.0)
        longest = self._idle_longest(pool)
        if longest is None or longest[1].last_used > idle_since:
            return False
        other, environment = longest
        other.evict(environment)  # its slot passes to `pool`
        return True

    def replaceable_in(self, pool: FunctionPool) -> float | None:
        """Seconds until `pool` may replace another function's idle environment; None when
        no other function has one idle."""
        longest = self._idle_longest(pool)
        if longest is None:
            return None
        return max(0.0, longest[1].last_used + self.replace_idle_after - time.monotonic())

    def _idle_longest(self, pool: FunctionPool) -> tuple[FunctionPool, Environment] | None:
        """The environment idle longest among the other functions', with its pool."""
        idle = [
            (e.last_used, id(e), other, e)
            for other in self._pools
            if other is not pool
            for e in other.idle
        ]
        if not idle:
            return None
        _, _, other, environment = min(idle)
        return other, environment

    def release(self, pool: FunctionPool) -> None:
        """One environment ended: a waiting invocation (its own function's first) may start one."""
        self.in_use -= 1
        for candidate in sorted(self._pools, key=lambda other: other is not pool):
            if candidate.wake_one():
                return


class Environment:
    """One execution environment: a worker process serving one invocation at a time.

    Args:
        spec: The worker's route description (see `local_gateway.worker`).
        environment: The complete environment of the process.
        console: Where the process's tagged output lines go.
        generation: The code generation it was started with (see `FunctionPool.reload`).
        zygote: Forks the process, boto3 already imported (`local_gateway.zygote`);
            None: a new interpreter.
    """

    def __init__(
        self,
        *,
        spec: Mapping[str, Any],
        environment: Mapping[str, str],
        console: ConsoleLog,
        generation: int,
        zygote: Zygote | None = None,
    ) -> None:
        self._spec = spec
        self._environment = environment
        self._console = console
        self.generation = generation
        self._zygote = zygote
        self.last_used = time.monotonic()
        self._process: asyncio.subprocess.Process | ForkedProcess | None = None
        self._forwarder: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id, once started."""
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        """Started and not ended."""
        return self._process is not None and self._process.returncode is None

    async def start(self) -> None:
        """Start the process and wait for its Init phase.

        Raises:
            InitError: The handler could not be imported (or Init took too long).
        """
        if self._zygote is not None:
            try:
                self._process = await self._zygote.spawn(
                    spec=self._spec, environment=self._environment, limit=_LINE_LIMIT
                )
            except (OSError, RuntimeError) as error:
                raise HandlerError(f"{self._spec['key']}: {error}") from error
        else:
            self._process = await self._exec()
        self._forwarder = asyncio.create_task(self._forward_output())
        try:
            status = await asyncio.wait_for(self._read(), _INIT_LIMIT_SECONDS)
        except TimeoutError:
            await self.kill()
            raise InitError(self._spec["key"], "Init phase exceeded 10 seconds") from None
        if "init_error" in status:
            await self.kill()
            raise InitError(self._spec["key"], status["detail"])

    async def _exec(self) -> asyncio.subprocess.Process:
        """The worker as a new interpreter."""
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "local_gateway.worker",
            json.dumps(self._spec),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(self._environment),
            limit=_LINE_LIMIT,
            # A process group of its own: Ctrl-C stops the gateway, which still needs
            # the worker to run `$disconnect` as it closes; and a timed-out environment
            # is killed with everything its handler started.
            start_new_session=True,
        )

    async def _read(self) -> dict[str, Any]:
        assert self._process is not None
        assert self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            raise HandlerError(f"{self._spec['key']} environment exited")
        return json.loads(line)

    async def _forward_output(self) -> None:
        """Copy every line the worker writes to stderr onto the console, as it comes."""
        assert self._process is not None
        assert self._process.stderr is not None
        stream = self._process.stderr
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the limit: pass on what fits
                line = await stream.read(_LINE_LIMIT)
            if not line:
                return
            self._console.write(line.decode("utf-8", "replace").rstrip("\n"))

    async def invoke(self, event: dict[str, Any]) -> Any:
        """Run one invocation and return its result.

        Raises:
            HandlerError: The handler raised, or the process died.
        """
        assert self._process is not None
        assert self._process.stdin is not None
        request = {"request_id": str(uuid.uuid4()), "event": event}
        self._process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
        await self._process.stdin.drain()
        reply = await self._read()
        self.last_used = time.monotonic()
        if "error" in reply:
            raise HandlerError(reply["error"])
        return reply["result"]

    async def kill(self) -> None:
        """End the process and everything it started, at once (a discarded environment)."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        await self._drain_output()

    async def stop(self) -> None:
        """Let a running invocation finish, then end the process (a shut-down environment)."""
        process = self._process
        if process is None:
            return
        if process.returncode is None and process.stdin is not None:
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), _STOP_GRACE_SECONDS)
            except TimeoutError:
                await self.kill()
                return
        await self._drain_output()

    async def _drain_output(self) -> None:
        if self._forwarder is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._forwarder


class FunctionPool:
    """The execution environments of one route's function.

    Args:
        route: The route whose handler the environments serve.
        spec: The worker's route description (see `local_gateway.worker`).
        environment: The complete environment of every worker process.
        console: Where the environments' lines and the pool's notes go.
        budget: The environments all functions share (this machine's limit).
        capacity: Lambda's concurrency limit this function draws on, if any (throttles).
        zygote: Forks the environments (see `Environment`); None: new interpreters.
    """

    def __init__(
        self,
        *,
        route: Route,
        spec: Mapping[str, Any],
        environment: Mapping[str, str],
        console: ConsoleLog,
        budget: EnvironmentBudget,
        capacity: Capacity | None = None,
        zygote: Zygote | None = None,
    ) -> None:
        self.route = route
        self._zygote = zygote
        self._spec = dict(spec)
        self._environment = dict(environment)
        self._console = console
        self._budget = budget
        budget.join(self)
        self._capacity = capacity
        self._idle: list[Environment] = []
        self._busy: set[Environment] = set()
        self._waiters: collections.deque[asyncio.Future[Environment | None]] = collections.deque()
        self._stopping: set[asyncio.Task[None]] = set()
        self._closed = False
        self._starting = False  # a cold start of this function is under way
        self.generation = 0

    @property
    def environments(self) -> list[Environment]:
        """Every started environment, idle or busy (for tests and the console)."""
        return [*self._idle, *self._busy]

    @property
    def busy(self) -> int:
        """Environments running an invocation now."""
        return len(self._busy)

    def _new_environment(self) -> Environment:
        return Environment(
            spec=self._spec,
            environment=self._environment,
            console=self._console,
            generation=self.generation,
            zygote=self._zygote,
        )

    @property
    def idle(self) -> list[Environment]:
        """Environments waiting for an invocation, least recently used first."""
        return list(self._idle)

    async def _start_environment(self) -> Environment:
        """A cold start, in a slot of the budget already reserved for it."""
        environment = self._new_environment()
        try:
            await environment.start()
        except BaseException:
            self._gone()
            raise
        return environment

    def _gone(self) -> None:
        """One environment ended: its slot of the budget is free again."""
        self._budget.release(self)

    def _give(self, environment: Environment | None) -> bool:
        """Hand the longest-waiting invocation an environment, or with None news of a
        free slot; False if none waits."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(environment)
                return True
        return False

    def wake_one(self) -> bool:
        """Tell the longest-waiting invocation that a slot is free; False if none waits."""
        return self._give(None)

    def evict(self, environment: Environment) -> None:
        """Shut an idle environment down to give its slot to another function."""
        self._idle.remove(environment)
        self._retire(environment, release=False)

    def _hand_over(self, environment: Environment | None) -> None:
        """Give a free environment (or, with None, a free slot) to the longest waiter;
        with none waiting, the environment goes idle."""
        if not self._give(environment) and environment is not None:
            self._idle.append(environment)

    async def prepare(self) -> None:
        """Import the handler in a new environment now: the start-up (or reload) check.

        The environment is kept idle, as the function's first warm one, when the budget
        has room; else it ends once the check is done.

        Raises:
            InitError: The handler cannot be imported.
        """
        within_budget = self._budget.in_use < self._budget.limit
        self._budget.in_use += 1  # over the limit for a moment if need be: the check must run
        environment = await self._start_environment()
        if within_budget:
            self._release(environment)
        else:
            self._retire(environment)

    async def _acquire(self) -> Environment:
        """An idle environment, else a new one (a cold start), else the first one freed.

        Lambda starts an environment as soon as invocations overlap. Here a cold start
        costs this machine's own CPU (a new interpreter, and boto3 at the first call:
        hundreds of milliseconds on a busy machine) while a warm handler usually frees
        its environment within milliseconds; so an invocation that finds every
        environment busy waits `_COLD_START_AFTER_SECONDS` for one before starting a new
        one, and a function has one cold start under way at a time. Invocations that
        wait on I/O still get environments of their own, one each, as on Lambda.
        """
        began = time.monotonic()
        while True:
            if self._closed:
                raise HandlerError(f"{self.route.key}: the gateway is stopping")
            if self._idle:
                environment = self._idle.pop()
                if environment.alive:
                    return environment
                self._retire(environment)  # ended while idle (killed, or exited by itself)
                continue
            waited = time.monotonic() - began
            may_start = not self._starting and (
                not self._busy or waited >= _COLD_START_AFTER_SECONDS
            )
            if may_start and self._budget.reserve(self):
                self._starting = True
                try:
                    return await self._start_environment()
                finally:
                    self._starting = False
                    self.wake_one()  # a waiting invocation may start the next one
            timeout = None
            if not self._starting and waited < _COLD_START_AFTER_SECONDS:
                timeout = _COLD_START_AFTER_SECONDS - waited
            elif may_start:  # at the limit: look again once an idle one may be replaced
                timeout = self._budget.replaceable_in(self)
                timeout = None if timeout is None else max(timeout, _RECHECK_SECONDS)
            environment = await self._wait(timeout)
            if environment is not None:
                return environment

    async def _wait(self, timeout: float | None) -> Environment | None:
        """Wait to be handed an environment (or told a slot is free: None), `timeout` at most."""
        waiter: asyncio.Future[Environment | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            if waiter.done():
                return waiter.result()  # arrived as the time ran out
            waiter.cancel()
            return None
        except asyncio.CancelledError:
            if waiter.done():
                self._hand_over(waiter.result())  # pass on what arrived meanwhile
            else:
                waiter.cancel()
            raise

    async def invoke(self, event: dict[str, Any]) -> Any:
        """Run one invocation in an idle environment, or a new one, unless throttled.

        Raises:
            HandlerError: Throttled, the handler failed or timed out, or could not be imported.
        """
        tag = f"[{self.route.key} {event['requestContext']['connectionId']}]"
        capacity = self._capacity
        if capacity is not None and not capacity.try_acquire():
            # Lambda's throttling error, as its API names it.
            self._console.write(
                f"{tag} Rate Exceeded. (TooManyRequestsException: concurrency limit of "
                f"{capacity.limit} reached)"
            )
            raise HandlerError("TooManyRequestsException: Rate Exceeded.")
        try:
            environment = await self._acquire()
            self._busy.add(environment)
            return await self._run(environment, event, tag)
        finally:
            if capacity is not None:
                capacity.release()

    async def _run(self, environment: Environment, event: dict[str, Any], tag: str) -> Any:
        """One invocation within the function's timeout; a timed-out environment is killed."""
        timeout = self.route.timeout
        try:
            result = await asyncio.wait_for(environment.invoke(event), timeout)
        except TimeoutError:
            # Lambda's own report of a timeout, tagged like the handler's lines.
            self._console.write(f"{tag} Task timed out after {timeout:.2f} seconds")
            self._busy.discard(environment)
            await environment.kill()
            self._gone()
            raise HandlerError(f"Task timed out after {timeout:.2f} seconds") from None
        except HandlerError:
            self._release(environment)
            raise
        except BaseException:  # cancelled mid-invocation: the environment's state is unknown
            self._busy.discard(environment)
            self._retire(environment, kill=True)
            raise
        self._release(environment)
        return result

    def _release(self, environment: Environment) -> None:
        """Reuse a finished environment, or retire it if it died or its code is outdated."""
        if self._closed:
            return  # `aclose` retired it already
        self._busy.discard(environment)
        if not environment.alive or environment.generation != self.generation:
            self._retire(environment)
        else:
            self._hand_over(environment)

    def _retire(
        self, environment: Environment, *, kill: bool = False, release: bool = True
    ) -> None:
        """Shut an environment down in the background; its slot frees at once (unless
        `release` is False: the slot was handed to another function)."""
        task = asyncio.create_task(environment.kill() if kill else environment.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)
        if release:
            self._gone()

    def reload(self) -> None:
        """New code: retire idle environments now and busy ones after their invocation."""
        self.generation += 1
        idle, self._idle = self._idle, []
        for environment in idle:
            self._retire(environment)

    def retire_idle(self, older_than: float) -> int:
        """Shut down environments idle for `older_than` seconds; returns how many."""
        now = time.monotonic()
        old = [e for e in self._idle if now - e.last_used >= older_than]
        self._idle = [e for e in self._idle if e not in old]
        for environment in old:
            self._retire(environment)
        return len(old)

    async def aclose(self) -> None:
        """Stop every environment; running invocations get a grace period to finish."""
        self._closed = True
        idle, self._idle = self._idle, []
        for environment in [*idle, *self._busy]:
            self._retire(environment)
        self._busy.clear()
        while self._stopping:
            await asyncio.gather(*self._stopping, return_exceptions=True)
