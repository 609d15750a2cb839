"""The local gateway in a child process: start, measure, read its table, stop."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3

from local_gateway.settings import REPO_ROOT

__all__ = ["GatewayProcess", "raise_fd_limit", "tree_rss_bytes"]

_URL_LINE = re.compile(r"WebSocket API:\s+(ws://\S+)")
_DYNAMODB_LINE = re.compile(r"DynamoDB:\s+(http://\S+) \(table (\S+)\)")


def raise_fd_limit() -> int:
    """Raise this process's soft open-file limit to the hard one; children inherit it.

    A thousand connections need a thousand descriptors on each side, over the common
    soft default of 1024.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children.extend(int(child) for child in task.read_text().split())
    return children


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            pending.extend(_children(current))
        except (FileNotFoundError, ProcessLookupError):
            continue  # The process ended while we looked.
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) * 1024 if match else 0
    return total


class GatewayProcess:
    """`python -m local_gateway --port 0` as a child process, stopped with SIGTERM.

    Args:
        extra_args: More command-line options for the gateway.
    """

    def __init__(self, *extra_args: str) -> None:
        self._args = extra_args
        self._process: subprocess.Popen[str] | None = None
        self.websocket_url = ""
        self.dynamodb_endpoint = ""
        self.table_name = ""

    def start(self) -> None:
        """Start the gateway and read its URLs from the banner it prints."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_gateway", "--port", "0", *self._args],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if url := _URL_LINE.search(line):
                self.websocket_url = url.group(1)
            if dynamodb := _DYNAMODB_LINE.search(line):
                self.dynamodb_endpoint, self.table_name = dynamodb.groups()
            if "Stop with" in line:
                return
        raise RuntimeError(f"the gateway exited with {self._process.wait()} before serving")

    @property
    def management_url(self) -> str:
        """The `@connections` base URL, as boto3's `endpoint_url` wants it."""
        return "http" + self.websocket_url.removeprefix("ws")

    def rss_bytes(self) -> int:
        """Resident memory of the gateway, its DynamoDB and its handler processes."""
        assert self._process is not None
        return tree_rss_bytes(self._process.pid)

    def _client(self, service: str, endpoint: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def record_ids(self) -> list[str]:
        """The connection id of every record in the connections table, duplicates kept."""
        pages = (
            self._client("dynamodb", self.dynamodb_endpoint)
            .get_paginator("scan")
            .paginate(TableName=self.table_name, ConsistentRead=True)
        )
        return [item["connectionId"]["S"] for page in pages for item in page["Items"]]

    def management_client(self) -> Any:
        """boto3's `apigatewaymanagementapi` client for this gateway."""
        return self._client("apigatewaymanagementapi", self.management_url)

    def stop(self) -> int:
        """SIGTERM, as Ctrl-C would; return the exit code."""
        if self._process is None:
            return 0
        self._process.send_signal(signal.SIGTERM)
        try:
            code = self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._process = None
        return code

    def __enter__(self) -> GatewayProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
