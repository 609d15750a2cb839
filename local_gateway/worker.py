"""One execution environment of a route's function: a process running one invocation at a time.

Lambda runs each invocation in an execution environment that handles one request at a
time, and adds environments as invocations overlap; module-level state lives as long as
its environment ("Understanding the Lambda execution environment lifecycle",
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). Here that
environment is this process: the gateway (`local_gateway.invoker`) starts as many as the
route needs, sends each one invocation at a time, and kills one whose invocation timed out.

Protocol, one JSON object per line, on the stdout the process started with: first the
Init phase's outcome, `{"ready": true}` or `{"init_error", "detail"}`; then for each
request read from stdin (`{"request_id", "event"}`) one reply, `{"result"}` or
`{"error"}`. The handler's own output (stdout and stderr) goes to stderr, each line
tagged with the route and the connection id of the invocation that wrote it.

Run by `local_gateway.invoker`: `python -m local_gateway.worker ROUTE_JSON`.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

__all__ = ["LambdaContext", "TaggedStream", "main"]

Handler = Callable[[dict[str, Any], "LambdaContext"], Any]


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
    """A text stream that prefixes each complete line with the current invocation's tag.

    One invocation runs at a time, so one tag at a time is right; the gateway reads the
    lines from the pipe and shows them on its console.
    """

    def __init__(self, *, target: TextIO, default_tag: str) -> None:
        self._target = target
        self._default_tag = default_tag
        self._tag = default_tag
        self._pending = ""

    def set_tag(self, tag: str | None) -> None:
        """Tag the lines from now on with `tag` (None: the default tag)."""
        self._tag = tag or self._default_tag

    def write(self, text: str) -> int:
        """Buffer text and emit each completed line with the tag."""
        *lines, self._pending = (self._pending + text).split("\n")
        if lines:
            self._target.write("".join(f"{self._tag} {line}\n" for line in lines))
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        """Emit an unfinished line, if any."""
        if self._pending:
            self.write("\n")

    def writable(self) -> bool:
        return True


def _import_failure(error: BaseException, module_name: str, search_path: list[str]) -> str:
    """Say which file could not be imported and why, for the console and the start check.

    A syntax error names its own file and line; any other error names the innermost
    frame inside the function's code; a missing module names the folders searched.
    """
    if isinstance(error, SyntaxError) and error.filename:
        where = f"{error.filename}, line {error.lineno}"
    elif isinstance(error, ModuleNotFoundError) and (
        module_name == error.name or module_name.startswith(f"{error.name}.")
    ):
        where = f"module {module_name!r} not found in {', '.join(search_path)}"
    else:
        frames = [
            frame
            for frame in traceback.extract_tb(error.__traceback__)
            if any(frame.filename.startswith(folder) for folder in search_path)
        ]
        module = sys.modules.get(module_name)
        if frames:
            where = f"{frames[-1].filename}, line {frames[-1].lineno}"
        else:
            where = getattr(module, "__file__", None) or module_name
    return f"{where}: {type(error).__name__}: {error}"


def _load_handler(name: str) -> Handler:
    """Import the handler (Lambda's Init phase). Raises what the import raised."""
    module_name, _, attribute = name.rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise AttributeError(f"module {module_name!r} has no function {attribute!r}")
    return handler


def _serve(
    route: dict[str, Any], handler: Handler, stream: TaggedStream, reply: Callable[..., None]
) -> None:
    """Run each request from stdin to its end before reading the next one."""
    for line in sys.stdin:
        request = json.loads(line)
        event = request["event"]
        stream.set_tag(f"[{route['key']} {event['requestContext']['connectionId']}]")
        context = LambdaContext(
            function_name=route["function_name"],
            memory_limit_in_mb=route["memory_size"],
            timeout=route["timeout"],
            aws_request_id=request["request_id"],
        )
        try:
            result = json.loads(json.dumps(handler(event, context)))
        except Exception as error:  # Any handler failure is the invocation's error, as on Lambda.
            traceback.print_exc()
            stream.flush()
            reply(error=f"{type(error).__name__}: {error}")
        else:
            stream.flush()
            reply(result=result)
        finally:
            stream.set_tag(None)


def main() -> None:
    """Initialize the route's handler, then serve invocations one at a time until stdin closes."""
    route = json.loads(sys.argv[1])
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    stream = TaggedStream(target=sys.__stderr__, default_tag=f"[{route['key']}]")
    sys.stdout = sys.stderr = stream
    search_path = [str(Path(folder)) for folder in route["search_path"]]
    sys.path[:0] = search_path

    def reply(**message: Any) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    try:
        handler = _load_handler(route["handler"])
    except Exception as error:
        # Lambda's own wording for a handler it cannot import; the environment is then
        # discarded and the next invocation tries a fresh one.
        module_name = route["handler"].rpartition(".")[0]
        print(
            f"[ERROR] Runtime.ImportModuleError: Unable to import module {module_name!r}: {error}"
        )
        traceback.print_exc()
        stream.flush()
        reply(
            init_error=f"{type(error).__name__}: {error}",
            detail=_import_failure(error, module_name, search_path),
        )
        return
    reply(ready=True)
    _serve(route, handler, stream, reply)


if __name__ == "__main__":
    main()
