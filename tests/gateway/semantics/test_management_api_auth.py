"""`@connections` is IAM-authorized, as on AWS: unsigned requests get 403 and deliver nothing.

API Gateway developer guide, "Use @connections commands in your backend service": the
requests use IAM authorization and must be signed with SigV4. The management API's model
(botocore `apigatewaymanagementapi`) defines the 403 as `ForbiddenException`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import boto3
import pytest
import websockets
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from local_gateway.iam import known_credentials
from local_gateway.service import GatewayService


def _client(service: GatewayService, **credentials: Any) -> Any:
    """boto3's real management client against the gateway's plain port."""
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=service.management_url,
        region_name="us-east-1",
        **credentials,
    )


async def _open(service: GatewayService) -> tuple[Any, str]:
    client = await websockets.connect(service.websocket_url)
    (connection_id,) = [c.connection_id for c in service.core.connections]
    return client, connection_id


async def test_unsigned_post_is_forbidden_and_delivers_nothing(service: GatewayService) -> None:
    """A plain HTTP POST gets 403 ForbiddenException; the client receives nothing from it."""
    ws, connection_id = await _open(service)
    try:
        url = f"{service.management_url}/@connections/{connection_id}"
        async with aiohttp.ClientSession() as http, http.post(url, data=b"sneaky") as response:
            assert response.status == 403
            assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"
            assert await response.json() == {"message": "Missing Authentication Token"}
        # The next frame the client gets is a signed post's, so the refused one never went out.
        signed = _client(service, aws_access_key_id="local", aws_secret_access_key="local")
        await asyncio.to_thread(signed.post_to_connection, ConnectionId=connection_id, Data=b"ok")
        assert await asyncio.wait_for(ws.recv(), 10) == "ok"
    finally:
        await ws.close()


@pytest.mark.parametrize("operation", ["post_to_connection", "get_connection", "delete_connection"])
async def test_boto3_unsigned_raises_forbidden_exception(
    service: GatewayService, operation: str
) -> None:
    """boto3 without a signature raises the modeled ForbiddenException for POST, GET and DELETE."""
    ws, connection_id = await _open(service)
    try:
        client = _client(service, config=Config(signature_version=UNSIGNED))
        arguments: dict[str, Any] = {"ConnectionId": connection_id}
        if operation == "post_to_connection":
            arguments["Data"] = b"x"
        with pytest.raises(client.exceptions.ForbiddenException):
            await asyncio.to_thread(getattr(client, operation), **arguments)
        # DELETE was refused: the connection is still open and described.
        signed = _client(service, aws_access_key_id="local", aws_secret_access_key="local")
        described = await asyncio.to_thread(signed.get_connection, ConnectionId=connection_id)
        assert "ConnectedAt" in described
    finally:
        await ws.close()


async def test_any_dummy_credentials_are_accepted(service: GatewayService) -> None:
    """A key the gateway does not know, signing correctly in form, may post (local creds)."""
    ws, connection_id = await _open(service)
    try:
        client = _client(
            service, aws_access_key_id="AKIAANYTHINGLOCAL", aws_secret_access_key="whatever"
        )
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"hi")
        assert await asyncio.wait_for(ws.recv(), 10) == "hi"
    finally:
        await ws.close()


async def test_known_key_with_wrong_secret_is_forbidden(service: GatewayService) -> None:
    """The functions' key with the wrong secret fails the HMAC check: ForbiddenException."""
    ws, connection_id = await _open(service)
    try:
        client = _client(service, aws_access_key_id="local", aws_secret_access_key="not-local")
        with pytest.raises(ClientError) as raised:
            await asyncio.to_thread(
                client.post_to_connection, ConnectionId=connection_id, Data=b"x"
            )
        error = raised.value.response["Error"]
        assert error["Code"] == "ForbiddenException"
        assert error["Message"].startswith("The request signature we calculated does not match")
    finally:
        await ws.close()


async def test_signature_for_another_region_is_forbidden(service: GatewayService) -> None:
    """A client configured for another region than the functions' is refused, as on AWS."""
    ws, connection_id = await _open(service)
    try:
        client = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=service.management_url,
            region_name="eu-west-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        with pytest.raises(client.exceptions.ForbiddenException, match="valid region"):
            await asyncio.to_thread(
                client.post_to_connection, ConnectionId=connection_id, Data=b"x"
            )
    finally:
        await ws.close()


def test_users_own_environment_credentials_are_verified() -> None:
    """The user's env credentials are known (HMAC-checked) beside the functions' dummy key."""
    known = known_credentials({"AWS_ACCESS_KEY_ID": "AKIAME", "AWS_SECRET_ACCESS_KEY": "s3cret"})
    assert known == {"local": "local", "AKIAME": "s3cret"}
    assert known_credentials({}) == {"local": "local"}


async def test_real_handlers_still_send_with_their_dummy_credentials(
    service: GatewayService,
) -> None:
    """The module's echo handler, signing with the gateway's dummy key over https, echoes."""
    async with websockets.connect(service.websocket_url) as ws:
        await ws.send("round trip")
        assert await asyncio.wait_for(ws.recv(), 20) == "round trip"
