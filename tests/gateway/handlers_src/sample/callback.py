"""Handlers that call `@connections` the way AWS's own samples do, for the TLS and IAM tests."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def aws_sample_echo(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Echo the message back through `@connections`, building the client exactly as AWS's
    sample does (awsdocs/aws-doc-sdk-examples, python/cross_service/
    apigateway_websocket_chat/lambda_chat.py): `endpoint_url=f"https://{domain}/{stage}"`
    from the event, default credentials and CA bundle, nothing local about it."""
    domain = event.get("requestContext", {}).get("domainName")
    stage = event.get("requestContext", {}).get("stage")
    connection_id = event["requestContext"]["connectionId"]
    apig_management_client = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"https://{domain}/{stage}"
    )
    apig_management_client.post_to_connection(
        Data=event["body"].encode(), ConnectionId=connection_id
    )
    return {"statusCode": 200}


def environment(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """Two-way route: answer with the environment variables the message names."""
    names = json.loads(event["body"])["names"]
    return {"statusCode": 200, "body": json.dumps({name: os.environ.get(name) for name in names})}
