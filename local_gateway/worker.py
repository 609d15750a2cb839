"""One route's function, in a process of its own, as a Lambda container is.

A process per route gives each function its own environment (the route's `environment`
and the module's variables), its own cold start and its own module-level clients, so
handlers behave as they do on AWS and cannot see each other's state or the gateway's.
Invocations run in a thread pool, so one slow invocation never holds up the next.

Protocol, one JSON object per line: requests `{"id", "event"}` on stdin; replies
`{"id", "result"}` or `{"id", "error"}` on the stdout the process started with. The
handler's own output (stdout and stderr) goes to stderr, each line tagged with the route
and connection id of the invocation that wrote it.

Run by `local_gateway.invoker`: `python -m local_gateway.worker ROUTE_JSON`.
"""

from __future__ import annotations

import functools
import heapq
import importlib
import io
import itertools
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

__all__ = ["LambdaContext", "TaggedStream", "main"]

# Lambda runs invocations of one function concurrently in separate containers; this
# many threads stand in for them.
_CONCURRENCY = 16


class LambdaContext:
    """The parts of Lambda's context object handlers use.

    Args:
        function_name: The function's name, also in `AWS_LAMBDA_FUNCTION_NAME`.
        memory_limit_in_mb: The route's `memory_size`.
        timeout: The route's timeout in seconds; the remaining time counts down from it.
        aws_request_id: This invocation's id (not API Gateway's request id).
    """

    def __init__(
        self, *, function_name: str, memory_limit_in_mb: int, timeout: int, aws_request_id: str
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:123456789012"
            f":function:{function_name}"
        )
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda would stop this invocation."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class TaggedStream(io.TextIOBase):
    """A text stream that prefixes each line with the tag of the thread writing it.

    Threads run different invocations at once; tagging per thread keeps each line with
    the connection that caused it.
    """

    def __init__(self, *, target: TextIO, default_tag: str) -> None:
        self._target = target
        self._default_tag = default_tag
        self._local = threading.local()
        self._lock = threading.Lock()

    def set_tag(self, tag: str | None) -> None:
        """Tag this thread's lines with `tag` (None: the default tag)."""
        self._local.tag = tag

    def write(self, text: str) -> int:
        """Buffer text per thread and emit each completed line with its tag."""
        pending = getattr(self._local, "pending", "") + text
        *lines, self._local.pending = pending.split("\n")
        if lines:
            tag = getattr(self._local, "tag", None) or self._default_tag
            with self._lock:
                self._target.write("".join(f"{tag} {line}\n" for line in lines))
                self._target.flush()
        return len(text)

    def flush(self) -> None:
        """Emit this thread's unfinished line, if any."""
        if getattr(self._local, "pending", ""):
            self.write("\n")

    def writable(self) -> bool:
        return True


def _timed_out(timeout: float) -> str:
    """Lambda's own error message for an invocation that reached its timeout."""
    return f"Task timed out after {timeout:.2f} seconds"


class _FirstReply:
    """Passes on only the first reply of an invocation: its result or its timeout."""

    def __init__(self, reply: Callable[[dict[str, Any]], None]) -> None:
        self._reply = reply
        self._lock = threading.Lock()
        self._sent = False

    def __call__(self, message: dict[str, Any]) -> None:
        with self._lock:
            if self._sent:
                return
            self._sent = True
        self._reply(message)


class _Watchdog:
    """Delivers each invocation's timeout error at its deadline, from one thread.

    A `threading.Timer` per invocation started an OS thread for every message, most of
    a worker's own overhead; one thread waiting for the earliest deadline does the
    same. A deadline that passes after the result was sent is dropped by `_FirstReply`,
    so nothing needs cancelling.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._deadlines: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        threading.Thread(target=self._run, name="lambda-timeouts", daemon=True).start()

    def schedule(self, delay: float, expire: Callable[[], None]) -> None:
        """Call `expire` once `delay` seconds have passed."""
        entry = (time.monotonic() + delay, next(self._order), expire)
        with self._condition:
            heapq.heappush(self._deadlines, entry)
            if self._deadlines[0] is entry:
                self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._deadlines or self._deadlines[0][0] > time.monotonic():
                    wait = self._deadlines[0][0] - time.monotonic() if self._deadlines else None
                    self._condition.wait(wait)
                _, _, expire = heapq.heappop(self._deadlines)
            expire()


def _load_handler(name: str) -> Callable[[dict[str, Any], LambdaContext], Any]:
    module_name, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def main() -> None:
    """Serve invocations of one route's handler until stdin closes."""
    route = json.loads(sys.argv[1])
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    stream = TaggedStream(target=sys.__stderr__, default_tag=f"[{route['key']}]")
    sys.stdout = sys.stderr = stream
    sys.path[:0] = route["search_path"]
    reply_lock = threading.Lock()

    def reply(message: dict[str, Any]) -> None:
        with reply_lock:
            replies.write(json.dumps(message) + "\n")
            replies.flush()

    try:
        handler = _load_handler(route["handler"])
    except Exception:  # Lambda reports an import failure on every invocation.
        traceback.print_exc()
        handler = None

    watchdog = _Watchdog()

    def invoke(request: dict[str, Any]) -> None:
        event = request["event"]
        connection_id = event["requestContext"]["connectionId"]
        stream.set_tag(f"[{route['key']} {connection_id}]")
        context = LambdaContext(
            function_name=route["function_name"],
            memory_limit_in_mb=route["memory_size"],
            timeout=route["timeout"],
            aws_request_id=request["request_id"],
        )
        answer = _FirstReply(reply)
        # Lambda fails an invocation at its timeout; a thread cannot be stopped, so the
        # handler runs on but its late result is dropped.
        timeout = {"id": request["id"], "error": _timed_out(route["timeout"])}
        watchdog.schedule(route["timeout"], functools.partial(answer, timeout))
        try:
            if handler is None:
                raise ImportError(f"Runtime.ImportModuleError: cannot import {route['handler']}")
            answer({"id": request["id"], "result": json.loads(json.dumps(handler(event, context)))})
        except Exception as error:  # Any handler failure is the invocation's error, as on Lambda.
            traceback.print_exc()
            answer({"id": request["id"], "error": f"{type(error).__name__}: {error}"})
        finally:
            stream.flush()
            stream.set_tag(None)

    with ThreadPoolExecutor(max_workers=_CONCURRENCY) as pool:
        for line in sys.stdin:
            pool.submit(invoke, json.loads(line))


if __name__ == "__main__":
    main()
