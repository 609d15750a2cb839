"""Execution environments forked from a process that has imported boto3 already (a zygote).

A new execution environment used to be a new interpreter that imported boto3 and botocore
itself: about 0.15 s of CPU and 35 MB of memory of its own, ten times over with ten
environments. Lambda's Python runtime ships boto3 in the image
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html, "Runtime-included SDK
versions"), so it is loaded from a shared file there too; here one process (the zygote)
imports `local_gateway.worker`, boto3 and botocore once, and each environment is a fork of
it, sharing those pages copy-on-write until it writes to them.

The zygote never imports a function's code: each environment still imports its handler
(and the layers' modules) itself, after the fork, so its cold start runs the handler's
module-level code and that state stays its own, as on Lambda; hot reload forks new
environments that import the new code. After the fork, the environment takes its own
process group and session (so a timed-out environment is killed with everything it
started, and Ctrl-C at the terminal does not reach it), its own environment variables,
working directory and standard streams (pipes to the gateway), then runs
`local_gateway.worker` as a started process would.

A function whose code folders hold a package the zygote has loaded (a zip that bundles
its own boto3, say) would get the zygote's copy instead of its own, and a `PYTHON*`
variable of its own would not take effect after a fork; such a function's environments
start as new interpreters (`needs_fresh_interpreter`).

Protocol: the gateway sends each request on a Unix socket, a length-prefixed JSON object
(`spec`, `environment`, `cwd`) with three file descriptors attached (the new process's
stdin, stdout and stderr); the zygote answers on its stdout, one JSON object a line:
`{"ready", "preloaded"}` once, then `{"spawned": pid}` for each request and
`{"exited": pid, "code": code}` as each environment ends, and `{"parsed": true}` once
botocore's data is parsed ahead (`_share_sdk_data`). It exits when the socket closes.

Run by `Zygote.start`: `python -m local_gateway.zygote FD`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import select
import signal
import socket
import struct
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ForkedProcess", "Zygote", "needs_fresh_interpreter"]

# What every environment would import anyway: the worker, and the SDK the runtime ships.
_PRELOAD = ("local_gateway.worker", "boto3", "botocore.session", "botocore.client")
# The services the module's own handlers call: their models are parsed before the fork.
_PARSED_SERVICES = ("apigatewaymanagementapi", "dynamodb")
# How long the zygote waits without a request before it parses them: past the start-up
# check's environments and a first connection, which it would otherwise slow down.
_PARSE_WHEN_IDLE_SECONDS = 1.0
_HEADER = struct.Struct("!I")
_STREAMS = 3  # stdin, stdout, stderr
# How often an environment is checked for having ended, once the zygote that could say
# so is gone.
_POLL_SECONDS = 0.05


# -- The zygote's side ---------------------------------------------------------------


def _emit(message: Mapping[str, Any]) -> None:
    """One line to the gateway; a single write, so lines never interleave."""
    os.write(1, (json.dumps(message) + "\n").encode())


def _receive(requests: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """The next request and its file descriptors; None once the gateway has gone."""
    data, fds, _flags, _address = socket.recv_fds(requests, 1 << 16, _STREAMS)
    if not data:
        return None
    while len(data) < _HEADER.size:
        data += requests.recv(_HEADER.size - len(data))
    (length,) = _HEADER.unpack_from(data)
    while len(data) < _HEADER.size + length:
        chunk = requests.recv(_HEADER.size + length - len(data))
        if not chunk:
            return None
        data += chunk
    return json.loads(data[_HEADER.size :]), fds


def _reap() -> None:
    """Report every environment that has ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _emit({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def _become_environment(request: Mapping[str, Any], fds: Sequence[int], own: Iterable[int]) -> None:
    """In the forked child: turn into the environment `request` describes; never returns."""
    code: int = 1
    try:
        os.setsid()
        gc.enable()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in {*fds, *own}:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["environment"])
        os.chdir(request["cwd"])
        import importlib  # noqa: PLC0415

        importlib.invalidate_caches()  # the function's folders may have changed since
        from local_gateway import worker  # noqa: PLC0415 - preloaded: no import happens

        sys.argv = [worker.__file__, json.dumps(request["spec"])]
        code = 0
        worker.main()
    except SystemExit as exit_:  # a handler's sys.exit(), as a started process would end
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # reported, then this process ends as Python would
        import traceback  # noqa: PLC0415

        traceback.print_exc()
        code = 1
    finally:
        _exit(code)


def _exit(code: int) -> None:
    """End the environment as an interpreter ends: exit handlers, flushed streams."""
    import atexit  # noqa: PLC0415

    with contextlib.suppress(BaseException):
        atexit._run_exitfuncs()  # what interpreter shutdown runs
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    os._exit(code)


def _share_sdk_data() -> Callable[[], None]:
    """Let every session share botocore's parsed data files; returns what parses them ahead.

    A boto3 session reads and parses botocore's JSON data (the endpoints file alone is
    about 7 MB of Python objects, `tracemalloc`; then each service's model and endpoint
    rules) into a cache of its own, and function code often makes a session per client:
    some 45 ms of CPU of each cold start per client, and megabytes of each environment's
    memory. Here every botocore loader with the same search path, extras and file loader
    shares one cache, filled before the fork with what the module's own handlers load,
    so the environments' sessions find it parsed, in pages shared copy-on-write, as the
    clients of one session share it. botocore only reads what it has loaded (the one
    merge of a model's extras happens as it is loaded). A function whose `AWS_DATA_PATH`
    adds folders gets another search path, so its sessions load its files, as on Lambda.
    Parsing ahead takes some 150 ms, so it waits until the zygote is idle (`main`), off
    the start-up's path; environments forked before then parse what they use.
    """
    from botocore import loaders, session  # noqa: PLC0415

    caches: dict[tuple[Any, ...], dict[Any, Any]] = {}
    start_loader = loaders.Loader.__init__

    def start_sharing(self: loaders.Loader, *args: Any, **kwargs: Any) -> None:
        start_loader(self, *args, **kwargs)
        key = (tuple(self.search_paths), tuple(self.extras_types), type(self.file_loader))
        self._cache = caches.setdefault(key, {})

    loaders.Loader.__init__ = start_sharing  # type: ignore[method-assign]

    def parse_ahead() -> None:
        try:
            parsing = session.get_session()
            for service in _PARSED_SERVICES:
                parsing.create_client(
                    service,
                    region_name="us-east-1",
                    aws_access_key_id="zygote",
                    aws_secret_access_key="zygote",
                )
        except Exception:  # a config file botocore refuses: each session parses its own
            return

    return parse_ahead


def _top_level_modules() -> list[str]:
    """The packages loaded here that are not the standard library's."""
    names = {name.partition(".")[0] for name in sys.modules}
    return sorted(
        name
        for name in names
        if name not in sys.stdlib_module_names
        and name not in sys.builtin_module_names
        and not name.startswith("_")
    )


def main() -> None:
    """Import the shared modules, then fork an environment for each request."""
    requests = socket.socket(fileno=int(sys.argv[1]))
    gc.disable()  # no collections while loading: nearly nothing loaded is garbage
    import importlib  # noqa: PLC0415

    for module in _PRELOAD:
        importlib.import_module(module)
    parse_ahead: Callable[[], None] | None = _share_sdk_data()
    # Move everything loaded so far out of the collector's reach: it would otherwise
    # write to every object's header in each environment, copying the shared pages.
    gc.freeze()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    _emit({"ready": True, "preloaded": _top_level_modules()})
    while True:
        idle_limit = _PARSE_WHEN_IDLE_SECONDS if parse_ahead is not None else None
        readable, _, _ = select.select([requests, wake_read], [], [], idle_limit)
        if not readable and parse_ahead is not None:
            parse_ahead()
            parse_ahead = None
            gc.freeze()  # the parsed data too, as the modules above
            _emit({"parsed": True})
            continue
        if wake_read in readable:
            os.read(wake_read, 4096)
            _reap()
        if requests not in readable:
            continue
        received = _receive(requests)
        if received is None:
            return  # the gateway has gone; each environment ends when its stdin closes
        request, fds = received
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as error:  # out of processes or memory: this request fails
            _emit({"failed": f"fork: {error}"})
            pid = -1
        if pid == 0:
            _become_environment(request, fds, (requests.fileno(), wake_read, wake_write))
        for fd in fds:
            os.close(fd)
        if pid > 0:
            _emit({"spawned": pid})


# -- The gateway's side --------------------------------------------------------------


def needs_fresh_interpreter(
    search_path: Sequence[Path], environment: Mapping[str, str], zygote: Zygote
) -> bool:
    """Whether a function must start as a new interpreter rather than a fork of `zygote`.

    True when one of its code folders holds a package the zygote has loaded (its own
    copy must win, as /var/task comes before the runtime's on Lambda), or when it sets
    a `PYTHON*` variable the zygote was not started with (read only at interpreter start).
    """
    own = {k: v for k, v in environment.items() if k.startswith("PYTHON")}
    shared = {k: v for k, v in zygote.environment.items() if k.startswith("PYTHON")}
    if own != shared:
        return True
    return any(
        (folder / name).is_dir() or any(folder.glob(f"{name}.*"))
        for folder in search_path
        for name in zygote.preloaded
    )


def _ended(pid: int) -> bool:
    """Whether a process that is not our child has ended: gone, or a zombie nobody reaps
    (an orphan's new parent need not wait for it, as in some containers)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    except OSError:  # no /proc here: ask the kernel whether the process still exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False
    return stat.rpartition(")")[2].split()[0] == "Z"


async def _pipe_reader(fd: int, limit: int) -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(fd, "rb", 0)
    )
    return reader


async def _pipe_writer(fd: int) -> asyncio.StreamWriter:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        lambda: asyncio.StreamReaderProtocol(asyncio.StreamReader(loop=loop), loop=loop),
        os.fdopen(fd, "wb", 0),
    )
    return asyncio.StreamWriter(transport, protocol, None, loop)


class ForkedProcess:
    """An environment forked by the zygote, used like `asyncio.subprocess.Process`.

    Attributes:
        pid: Its process id, also its process group's (it leads a session of its own).
        stdin: Writes to its standard input.
        stdout: Reads its standard output.
        stderr: Reads its standard error.
    """

    def __init__(
        self,
        *,
        pid: int,
        ended: asyncio.Future[int],
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._ended = ended

    @property
    def returncode(self) -> int | None:
        """Its exit code once it has ended, else None."""
        return self._ended.result() if self._ended.done() else None

    async def wait(self) -> int:
        """Wait for it to end; its exit code."""
        code = await asyncio.shield(self._ended)
        self.stdin.close()
        return code


class Zygote:
    """The gateway's handle on the zygote process: starts it, asks it for environments.

    Args:
        environment: The zygote's own environment (the functions' shared one).
        cwd: Its working directory, and the environments' unless they ask for another.
    """

    def __init__(self, *, environment: Mapping[str, str], cwd: Path | None = None) -> None:
        self.environment = dict(environment)
        self._cwd = cwd or Path.cwd()
        self.preloaded: list[str] = []
        # Set once the zygote has parsed botocore's data ahead: environments forked from
        # then on find it parsed.
        self.sdk_parsed = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._socket: socket.socket | None = None
        self._lock = asyncio.Lock()
        # Answers to spawn requests, in order: a process id, or why there is none.
        # Each fork's pid with the future of its end, taken together: a fork that ends at
        # once may have ended before `spawn` reads that it started.
        self._spawned: asyncio.Queue[tuple[int, asyncio.Future[int]] | str] = asyncio.Queue()
        # The end of each environment still running, by process id.
        self._ends: dict[int, asyncio.Future[int]] = {}
        self._events: asyncio.Task[None] | None = None
        self._starting: asyncio.Future[None] | None = None

    @property
    def alive(self) -> bool:
        """Started, and not ended."""
        return self._process is not None and self._process.returncode is None

    def prestart(self) -> None:
        """Start the zygote now, without waiting for it (`start` waits)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())

    async def start(self) -> None:
        """Start the zygote, if not under way already, and wait until it has imported
        what it shares.

        Raises:
            RuntimeError: It exited before saying it was ready.
        """
        self.prestart()
        assert self._starting is not None
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "local_gateway.zygote",
                str(theirs.fileno()),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                env=self.environment,
                cwd=self._cwd,
                pass_fds=(theirs.fileno(),),
                # Like the environments: Ctrl-C at the terminal is the gateway's to handle.
                start_new_session=True,
            )
        finally:
            theirs.close()
        self._socket = ours
        assert self._process.stdout is not None
        line = await self._process.stdout.readline()
        if not line:
            await self._process.wait()
            raise RuntimeError(
                f"the zygote exited ({self._process.returncode}) before it was ready"
            )
        self.preloaded = json.loads(line)["preloaded"]
        # This zygote's own answers and ends: a stale one must not reach the next zygote's.
        self._spawned, self._ends = asyncio.Queue(), {}
        self.sdk_parsed = asyncio.Event()
        self._events = asyncio.create_task(
            self._read_events(self._process.stdout, self._spawned, self._ends, self.sdk_parsed)
        )

    @staticmethod
    async def _read_events(
        stdout: asyncio.StreamReader,
        spawned: asyncio.Queue[tuple[int, asyncio.Future[int]] | str],
        ends: dict[int, asyncio.Future[int]],
        sdk_parsed: asyncio.Event,
    ) -> None:
        """Pass on one zygote's answers and its environments' ends until it has gone."""
        loop = asyncio.get_running_loop()
        while line := await stdout.readline():
            event = json.loads(line)
            if "spawned" in event:
                end = ends[event["spawned"]] = loop.create_future()
                spawned.put_nowait((event["spawned"], end))
            elif "failed" in event:
                spawned.put_nowait(event["failed"])
            elif "exited" in event:
                end = ends.pop(event["exited"], None)
                if end is not None and not end.done():
                    end.set_result(event["code"])
            elif "parsed" in event:
                sdk_parsed.set()
        spawned.put_nowait("the zygote has ended")  # for a request still waiting
        # The zygote is gone and cannot report ends any more: its environments run on,
        # reparented, so look for each one itself until it has gone.
        while ends:
            await asyncio.sleep(_POLL_SECONDS)
            for pid in [pid for pid in ends if _ended(pid)]:
                ends.pop(pid).set_result(-signal.SIGKILL)

    async def spawn(
        self, *, spec: Mapping[str, Any], environment: Mapping[str, str], limit: int
    ) -> ForkedProcess:
        """Fork a new environment running `local_gateway.worker` with `spec`.

        Args:
            spec: The worker's route description.
            environment: The environment variables it gets, all of them.
            limit: Line length limit of its stdout and stderr readers.

        Raises:
            RuntimeError: The zygote could not fork, or has ended.
            OSError: The request could not be sent.
        """
        async with self._lock:
            if self._starting is not None and self._starting.done() and not self.alive:
                self._starting = None  # it failed to start, or has ended since: again
            await self.start()
            assert self._socket is not None
            stdin_read, stdin_write = os.pipe()
            stdout_read, stdout_write = os.pipe()
            stderr_read, stderr_write = os.pipe()
            payload = json.dumps(
                {"spec": spec, "environment": dict(environment), "cwd": str(self._cwd)}
            ).encode()
            try:
                self._socket.setblocking(True)
                socket.send_fds(
                    self._socket,
                    [_HEADER.pack(len(payload)) + payload],
                    [stdin_read, stdout_write, stderr_write],
                )
            finally:
                for fd in (stdin_read, stdout_write, stderr_write):
                    os.close(fd)
            answer = await self._spawned.get()
            if isinstance(answer, str):
                raise RuntimeError(f"no environment: {answer}")
            pid, ended = answer
            return ForkedProcess(
                pid=pid,
                ended=ended,
                stdin=await _pipe_writer(stdin_write),
                stdout=await _pipe_reader(stdout_read, limit),
                stderr=await _pipe_reader(stderr_read, limit),
            )

    async def aclose(self) -> None:
        """Stop the zygote (the environments it forked are stopped by their pools)."""
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        if self._starting is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._starting  # its failure is the starter's to report
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), 5)
            if self._process.returncode is None:
                self._process.kill()
                await self._process.wait()
        if self._events is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._events
            self._events = None


if __name__ == "__main__":
    main()
