"""The `@connections` client: sends data to a connected client.

The management endpoint is `MANAGEMENT_API_ENDPOINT` when set: the Terraform
module sets it from the API's own `api_endpoint`, so it is right in every
partition (`amazonaws.com.cn` in China), and the local gateway sets its own.
Without it the endpoint is `https://{domainName}/{stage}` from the event, as
AWS's own examples build it ("Use @connections commands in your backend
service", https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html);
a host assembled from the API id, the region and `amazonaws.com` would be
wrong outside the `aws` partition. (Behind a custom domain name the event's
`domainName` is that name, whose path is an API mapping rather than the stage:
there the variable is needed.)
A client that has gone answers 410 `GoneException`: that is a normal outcome
(`$disconnect` is best-effort), so it is raised as `ConnectionGoneError` for the
caller to forget the connection, apart from every other error.

Every send is counted: `post_to_connection` writes one log line per outcome that
carries a CloudWatch metric in the embedded metric format (`websocket_handlers.metrics`),
so each handler that sends through it, the module's or a consumer's, feeds the
module's failed-sends alarm without code of its own.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from websocket_handlers import clients, logs, metrics
from websocket_handlers.config import Settings
from websocket_handlers.connections import ConnectionStore
from websocket_handlers.events import WebSocketEvent

__all__ = [
    "ConnectionGoneError",
    "endpoint_url",
    "management_client",
    "post_or_forget",
    "post_to_connection",
]

LOGGER = logs.get_logger(__name__)


class ConnectionGoneError(Exception):
    """The connection is closed: API Gateway answered 410 GoneException."""

    def __init__(self, connection_id: str) -> None:
        super().__init__(f"connection {connection_id} is gone")
        self.connection_id = connection_id


def endpoint_url(settings: Settings, event: WebSocketEvent) -> str:
    """The `@connections` base URL for the API and stage the event came through."""
    if settings.management_api_endpoint:
        return settings.management_api_endpoint
    return f"https://{event.domain_name}/{event.stage}"


def management_client(settings: Settings, event: WebSocketEvent) -> Any:
    """The shared `apigatewaymanagementapi` client for the event's endpoint."""
    return clients.client(
        "apigatewaymanagementapi",
        endpoint_url=endpoint_url(settings, event),
        region=settings.region,
    )


def post_to_connection(client: Any, connection_id: str, data: bytes) -> None:
    """Send `data` as one message to a connection.

    Each outcome is logged with its metric: sent, gone (410) or failed.

    Raises:
        ConnectionGoneError: the connection no longer exists (410).
        botocore.exceptions.ClientError: any other refusal, such as 403 or 413.
        Exception: whatever else stopped the request (a timeout, no endpoint),
            counted as a failure too.
    """
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except client.exceptions.GoneException as error:
        metrics.record_gone(LOGGER, connection_id)
        raise ConnectionGoneError(connection_id) from error
    except ClientError as error:
        response = error.response
        metrics.record_failure(
            LOGGER,
            connection_id,
            response.get("Error", {}).get("Code", "Unknown"),
            response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        )
        raise
    except Exception as error:
        metrics.record_failure(LOGGER, connection_id, type(error).__name__, None)
        raise
    metrics.record_sent(LOGGER, connection_id, len(data))


def post_or_forget(client: Any, store: ConnectionStore, connection_id: str, data: bytes) -> bool:
    """Send `data`; if the connection is gone, delete its record instead.

    Returns:
        True if the message was handed to API Gateway, False if the connection
        was gone and its record has been deleted.

    Raises:
        botocore.exceptions.ClientError: a send error other than 410.
        StoreError: the stale record could not be deleted.
    """
    try:
        post_to_connection(client, connection_id, data)
    except ConnectionGoneError:
        store.delete(connection_id)
        return False
    return True
