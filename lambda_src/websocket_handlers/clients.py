"""boto3 clients, created lazily and once per container.

Importing boto3 takes longer than everything else a handler imports, so clients
are built on first use. Each one is built with its own boto3 Session (the
default session is not thread-safe, and a local gateway or a broadcast may call
from several threads), and with a retry and timeout budget that ends every call,
answered or failed, well inside the function's timeout.

The budget. When a call outlives the function, Lambda kills the invocation and
`$connect` never answers its clean 500. botocore's defaults cannot fit: 60 s to
connect and 60 s to read, in legacy retry mode 5 attempts (DynamoDB 10)
(botocore `DEFAULT_TIMEOUT`, `data/_retry.json`; boto3 guide "Retries",
https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).
A call's worst case, against a server that accepts the connection and never
answers, is

    attempts * (connect_timeout + read_timeout) + the backoff before each retry

where standard mode waits `rand(0, 1) * min(2 ** (i - 1), 20)` seconds before
attempt `i + 1` (botocore `retries/standard.py`, `ExponentialBackoff`). Here:
2 * (1 s + 2 s) + 1 s = 7 s, inside the module's default `lambda_timeout` of
10 s with 3 s left for importing boto3 on a container's first call and for the
handler's own work. A route given a shorter timeout gets its 500 only if the
hung call fails first, and calls in series add up (`$default` deletes the record
of a sender whose send answered 410). `total_max_attempts` counts the first attempt (a
`max_attempts` of 3 would mean 3 retries, 4 attempts). Read timeouts apply to
each wait for data, so a server that trickles bytes could stretch a call.
DynamoDB answers in single-digit milliseconds ("Understanding Amazon DynamoDB
latency", AWS Database Blog), and AWS advises latency-aware clients to retry on
short timeouts rather than wait long ("Tuning AWS Java SDK HTTP request settings
for latency-aware Amazon DynamoDB applications", same blog), so 2 s is a wide
margin.

A client is kept per service, endpoint and region the caller asks for: the
`@connections` endpoint comes from the event when `MANAGEMENT_API_ENDPOINT` is
unset, and one function may serve more than one domain name. What boto3 reads
from the environment (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_REGION`, credentials) it
reads once, when the client is created: a container's environment never changes.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["client"]

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str | None], Any] = {}


def client(service: str, *, endpoint_url: str | None = None, region: str | None = None) -> Any:
    """The shared client for a service and endpoint, creating it on first use.

    Args:
        service: the boto3 service name, for example `dynamodb`.
        endpoint_url: an explicit endpoint; None leaves it to boto3, which honours
            `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`.
        region: the signing region; None leaves it to boto3 (`AWS_REGION`,
            `AWS_DEFAULT_REGION`, the config file).
    """
    key = (service, endpoint_url, region)
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
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=1,
        read_timeout=2,
        tcp_keepalive=True,
    )
    return boto3.session.Session().client(
        service, endpoint_url=endpoint_url, region_name=region, config=config
    )
