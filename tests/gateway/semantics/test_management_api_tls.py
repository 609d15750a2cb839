"""The callback URL AWS's samples build, `https://{domainName}/{stage}`, works unchanged.

The gateway serves the stage and `@connections` over TLS as well, with a certificate from
a CA it creates at start; functions get `AWS_CA_BUNDLE` (botocore's roots plus that CA:
the variable replaces botocore's roots, boto3 guide "Configuration") and
`MANAGEMENT_API_ENDPOINT` pointing there, and the events' `domainName` is its host:port.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import boto3
import pytest
import pytest_asyncio
import websockets
from botocore.httpsession import where as botocore_roots
from cryptography import x509

from local_gateway.routes import Route
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import sample_routes


@pytest_asyncio.fixture
async def tls_service(source_dir: Path) -> AsyncIterator[GatewayService]:
    """A gateway with a route echoing like AWS's sample and one reporting its environment."""
    routes = {
        **sample_routes(),
        "awssample": Route(key="awssample", handler="sample.callback.aws_sample_echo"),
        "env": Route(key="env", handler="sample.callback.environment", two_way_response=True),
    }
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=routes) as service:
        yield service


async def test_aws_sample_callback_url_echoes(tls_service: GatewayService) -> None:
    """A handler building `https://{domainName}/{stage}` like AWS's sample posts back via boto3."""
    async with websockets.connect(tls_service.websocket_url) as client:
        message = json.dumps({"action": "awssample", "text": "over TLS"})
        await client.send(message)
        assert await asyncio.wait_for(client.recv(), 20) == message


async def test_functions_get_the_https_endpoint_and_a_bundle_with_the_usual_roots(
    tls_service: GatewayService,
) -> None:
    """MANAGEMENT_API_ENDPOINT is the https callback URL; AWS_CA_BUNDLE = botocore's roots + CA."""
    names = ["MANAGEMENT_API_ENDPOINT", "AWS_CA_BUNDLE"]
    async with websockets.connect(tls_service.websocket_url) as client:
        await client.send(json.dumps({"action": "env", "names": names}))
        seen = json.loads(await asyncio.wait_for(client.recv(), 20))
    assert seen["MANAGEMENT_API_ENDPOINT"] == tls_service.callback_url
    assert tls_service.callback_url == f"https://{tls_service.domain_name}/dev"
    assert tls_service.domain_name == f"127.0.0.1:{tls_service.tls_port}"
    bundle = Path(seen["AWS_CA_BUNDLE"]).read_bytes()
    roots = Path(botocore_roots()).read_bytes().strip()
    assert bundle.lstrip().startswith(roots)
    assert tls_service.tls is not None
    local_ca = tls_service.tls.ca_file.read_bytes()
    assert bundle.rstrip().endswith(local_ca.rstrip())
    begin = b"-----BEGIN CERTIFICATE-----"
    assert bundle.count(begin) == roots.count(begin) + 1


async def test_certificate_names_loopback_and_localhost(tls_service: GatewayService) -> None:
    """The leaf certificate is valid for 127.0.0.1 and localhost, signed by the local CA."""
    assert tls_service.tls is not None
    leaf = x509.load_pem_x509_certificate(tls_service.tls.cert_file.read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    ca = x509.load_pem_x509_certificate(tls_service.tls.ca_file.read_bytes())
    leaf.verify_directly_issued_by(ca)


async def test_wss_on_the_domain_name_reaches_the_same_stage(tls_service: GatewayService) -> None:
    """wss://{domainName}/{stage} with the local CA trusted is the same stage: echo works."""
    assert tls_service.tls is not None
    url = f"wss://{tls_service.domain_name}/dev"
    async with websockets.connect(url, ssl=tls_service.tls.client_context()) as client:
        await client.send("hello")
        assert await asyncio.wait_for(client.recv(), 20) == "hello"


async def test_boto3_over_https_with_the_bundle_and_signed_requests(
    tls_service: GatewayService,
) -> None:
    """boto3 against the https callback URL, verifying with the bundle, posts and gets."""
    assert tls_service.tls is not None
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=tls_service.callback_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        verify=str(tls_service.tls.bundle_file),
    )
    async with websockets.connect(tls_service.websocket_url, user_agent_header="tls/1") as ws:
        (connection_id,) = [c.connection_id for c in tls_service.core.connections]
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"hi")
        assert await asyncio.wait_for(ws.recv(), 20) == "hi"
        described = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
        assert described["Identity"]["UserAgent"] == "tls/1"


async def test_https_is_not_trusted_without_the_local_ca(tls_service: GatewayService) -> None:
    """The certificate is the run's own: a client with only the default roots refuses it."""
    default_roots = ssl.create_default_context(cafile=botocore_roots())
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.get(f"{tls_service.callback_url}/@connections/x", ssl=default_roots)


async def test_tls_files_are_removed_on_stop(source_dir: Path) -> None:
    """The CA and key files live only as long as the gateway."""
    settings = GatewaySettings(port=0, source_dir=source_dir)
    async with GatewayService(settings=settings, routes=sample_routes()) as service:
        assert service.tls is not None
        directory = service.tls.directory
        assert service.tls.key_file.exists()
    assert not directory.exists()
