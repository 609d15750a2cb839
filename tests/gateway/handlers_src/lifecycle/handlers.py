"""Handlers that show which execution environment ran them, for the execution-model tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# Module-level state lives as long as its execution environment, as on Lambda.
INVOCATIONS = 0


def _wait_for(path: Path, limit: float = 20.0) -> None:
    """Block until `path` exists (the test decides when), `limit` seconds at most."""
    deadline = time.monotonic() + limit
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def count(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way: this environment's process id and how many invocations it has run.

    A message may name a `release` file: the invocation then waits for it, so a test
    can hold several invocations at once.
    """
    global INVOCATIONS  # noqa: PLW0603 - the per-environment state under test
    INVOCATIONS += 1
    release = json.loads(event["body"]).get("release")
    if release:
        _wait_for(Path(release))
    body = {"pid": os.getpid(), "count": INVOCATIONS}
    return {"statusCode": 200, "body": json.dumps(body)}


def finish_late(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Wait for the `release` file, then touch the `finished` file the message names."""
    message = json.loads(event["body"])
    _wait_for(Path(message["release"]))
    Path(message["finished"]).touch()
    return {"statusCode": 200, "body": "finished"}


def hang_with_child(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Start a child process, write both process ids to the `pids` file, then hang.

    The route's timeout should end the environment and the child with it.
    """
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    pids = Path(json.loads(event["body"])["pids"])
    pids.with_suffix(".tmp").write_text(f"{os.getpid()} {child.pid}")
    pids.with_suffix(".tmp").rename(pids)
    time.sleep(120)
    return {"statusCode": 200, "body": "never"}


# Set when this module is imported: by the environment itself, not inherited from the
# process environments are forked from, which never imports function code.
IMPORTED_BY = os.getpid()
BOTO3_LOADED_BEFORE_IMPORT = "boto3" in sys.modules


def describe(_event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way: what this environment is made of (process, environment variables, state)."""
    global INVOCATIONS  # noqa: PLW0603 - the per-environment state under test
    INVOCATIONS += 1
    body = {
        "pid": os.getpid(),
        "parent": os.getppid(),
        "session": os.getsid(0),
        "imported_by": IMPORTED_BY,
        "boto3_preloaded": BOTO3_LOADED_BEFORE_IMPORT,
        "count": INVOCATIONS,
        "mark": os.environ.get("ROUTE_MARK"),
        "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "cwd": os.getcwd(),
        "first_path": sys.path[0],
    }
    return {"statusCode": 200, "body": json.dumps(body)}


def sdk_files_read(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way: the botocore data files a new session reads from disk to build a client of
    the service the message names, and that client's operations."""
    import boto3.session  # noqa: PLC0415 - as a handler making its client at its first call
    from botocore import loaders  # noqa: PLC0415

    read: list[str] = []
    load_file = loaders.JSONFileLoader.load_file

    def counting(self: loaders.JSONFileLoader, file_path: str) -> Any:
        read.append(file_path)
        return load_file(self, file_path)

    loaders.JSONFileLoader.load_file = counting  # type: ignore[method-assign]
    try:
        client = boto3.session.Session().client(
            json.loads(event["body"])["service"],
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
    finally:
        loaders.JSONFileLoader.load_file = load_file  # type: ignore[method-assign]
    body = {"read": read, "operations": sorted(client.meta.service_model.operation_names)}
    return {"statusCode": 200, "body": json.dumps(body)}
