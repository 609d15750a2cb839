"""Serve a gRPC provider the way HashiCorp's go-plugin expects a plugin to.

Terraform starts the plugin with a magic cookie in the environment and its
own client certificate in `PLUGIN_CLIENT_CERT`; the plugin answers with one
handshake line on stdout naming the protocol, address and its own certificate,
then serves over mutual TLS, accepting that client certificate only (see
`tls_proxy.py`). Besides the provider service, go-plugin calls the
health service (name "plugin"), `plugin.GRPCController/Shutdown` to stop the
plugin and `plugin.GRPCStdio/StreamStdio` to collect its output.
"""

from __future__ import annotations

import base64
import datetime
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from local_gateway.standin.tls_proxy import MutualTlsProxy, server_context

__all__ = ["MAGIC_COOKIE_KEY", "MAGIC_COOKIE_VALUE", "make_certificate", "serve"]

MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
_CORE_PROTOCOL_VERSION = 1
_PLUGIN_PROTOCOL_VERSION = 6


def make_certificate(
    curve: ec.EllipticCurve | None = None,
) -> tuple[bytes, bytes, bytes]:
    """Make the server's key and certificate as go-plugin's own `generateCert` does.

    Args:
        curve: the key's curve; P-256 unless given (Terraform's own client key is P-521).

    Returns:
        The key (PEM), the certificate (PEM) and the certificate (DER).
    """
    key = ec.generate_private_key(curve or ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(hours=24))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=True,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        key_pem,
        certificate.public_bytes(serialization.Encoding.PEM),
        certificate.public_bytes(serialization.Encoding.DER),
    )


def _plugin_services(stopped: threading.Event) -> list[grpc.GenericRpcHandler]:
    """The go-plugin services: the controller that stops the plugin, and an empty stdio stream.

    Their messages are `google.protobuf.Empty` (zero bytes on the wire) and a
    stream we never write to, so they are served as raw bytes.
    """

    def shutdown(_request: bytes, _context: grpc.ServicerContext) -> bytes:
        stopped.set()
        return b""

    def stream_stdio(_request: bytes, _context: grpc.ServicerContext) -> Iterator[bytes]:
        return iter(())

    return [
        grpc.method_handlers_generic_handler(
            "plugin.GRPCController", {"Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)}
        ),
        grpc.method_handlers_generic_handler(
            "plugin.GRPCStdio",
            {"StreamStdio": grpc.unary_stream_rpc_method_handler(stream_stdio)},
        ),
    ]


def _grpc_server(provider_handler: grpc.GenericRpcHandler, stopped: threading.Event) -> grpc.Server:
    """The gRPC server with the provider, health and go-plugin services, not yet bound."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    health_servicer = health.HealthServicer()
    health_servicer.set("plugin", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.add_generic_rpc_handlers([provider_handler, *_plugin_services(stopped)])
    return server


def _mutual_tls_proxy(folder: Path, client_certificate_pem: str) -> tuple[MutualTlsProxy, bytes]:
    """A TLS front for the gRPC socket in `folder`, and the server certificate (DER).

    Returns:
        The proxy, not started, and this server's certificate for the handshake line.
    """
    key_pem, certificate_pem, certificate_der = make_certificate()
    key_file, certificate_file = folder / "server.key", folder / "server.pem"
    key_file.write_bytes(key_pem)
    certificate_file.write_bytes(certificate_pem)
    context = server_context(
        key_file=key_file,
        certificate_file=certificate_file,
        client_certificate_pem=client_certificate_pem,
    )
    client_der = x509.load_pem_x509_certificate(client_certificate_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )
    proxy = MutualTlsProxy(
        context=context, client_certificate_der=client_der, upstream=folder / "grpc.sock"
    )
    return proxy, certificate_der


def serve(provider_handler: grpc.GenericRpcHandler) -> int:
    """Run the plugin until Terraform shuts it down; return the process exit code."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write(
            "This is a Terraform provider plugin (a stand-in for tests). "
            "It is started by Terraform, not run directly.\n"
        )
        return 1
    client_certificate = os.environ.get("PLUGIN_CLIENT_CERT", "")
    stopped = threading.Event()
    server = _grpc_server(provider_handler, stopped)
    # mkdtemp's folder is the user's alone: the key and the plaintext socket stay private.
    with tempfile.TemporaryDirectory(prefix="standin-plugin-") as name:
        folder = Path(name)
        proxy = None
        certificate_der = b""
        if client_certificate:
            proxy, certificate_der = _mutual_tls_proxy(folder, client_certificate)
            server.add_insecure_port(f"unix:{folder / 'grpc.sock'}")
            server.start()
            port = proxy.start()
        else:
            port = server.add_insecure_port("127.0.0.1:0")
            server.start()
        encoded_certificate = base64.b64encode(certificate_der).decode().rstrip("=")
        sys.stdout.write(
            f"{_CORE_PROTOCOL_VERSION}|{_PLUGIN_PROTOCOL_VERSION}|tcp|127.0.0.1:{port}|grpc"
            f"|{encoded_certificate}\n"
        )
        sys.stdout.flush()
        stopped.wait()
        server.stop(grace=0.5).wait()
        if proxy is not None:
            proxy.close()
    return 0
