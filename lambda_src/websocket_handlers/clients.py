"""boto3 clients, created lazily and once per container.

Importing boto3 takes longer than everything else a handler imports, so clients
are built on first use. Each one is built with its own boto3 Session (the
default session is not thread-safe, and a local gateway or a broadcast may call
from several threads), standard-mode retries and timeouts well inside a Lambda
timeout.

The cache key includes the region and endpoint-override variables. On Lambda
they never change, so each client is created once; a process that runs the
handlers against several local endpoints in turn (tests, the local gateway)
gets a client for the endpoint that is current.
"""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["client"]

_lock = threading.Lock()
_clients: dict[tuple[str | None, ...], Any] = {}


def client(service: str, *, endpoint_url: str | None = None, region: str | None = None) -> Any:
    """The shared client for a service and endpoint, creating it on first use.

    Args:
        service: the boto3 service name, for example `dynamodb`.
        endpoint_url: an explicit endpoint; None leaves it to boto3, which honours
            `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`.
        region: the signing region; None leaves it to boto3 (`AWS_REGION`,
            `AWS_DEFAULT_REGION`, the config file).
    """
    env_key = f"AWS_ENDPOINT_URL_{service.upper()}"
    key = (
        service,
        endpoint_url,
        region,
        os.environ.get(env_key),
        os.environ.get("AWS_ENDPOINT_URL"),
        os.environ.get("AWS_REGION"),
        os.environ.get("AWS_DEFAULT_REGION"),
    )
    existing = _clients.get(key)
    if existing is not None:
        return existing
    with _lock:
        if key not in _clients:
            _clients[key] = _create(service, endpoint_url, region)
        return _clients[key]


def _create(service: str, endpoint_url: str | None, region: str | None) -> Any:
    import boto3.session  # noqa: PLC0415 - deferred: see the module docstring
    from botocore.config import Config  # noqa: PLC0415

    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=5,
        tcp_keepalive=True,
    )
    return boto3.session.Session().client(
        service, endpoint_url=endpoint_url, region_name=region, config=config
    )
