"""The stand-in provider speaks go-plugin and tfplugin6 as Terraform expects."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pyvider.protocols.tfprotov6.protobuf import tfplugin6_pb2 as pb

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.plugin import MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, make_certificate

PLUGIN = [sys.executable, "-P", "-m", "local_gateway.standin", "archive", "2.8.0"]


def plugin_env(**extra: str) -> dict[str, str]:
    """The environment Terraform gives a plugin, plus `extra`."""
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PLUGIN_PROTOCOL_VERSIONS="5,6")
    env.update(extra)
    return env


@dataclass(frozen=True)
class RunningPlugin:
    """A stand-in started as Terraform starts it: where it listens and whom it trusts."""

    address: str
    server_certificate_pem: bytes
    client_key_pem: bytes
    client_certificate_pem: bytes

    def channel(self, key_pem: bytes | None, certificate_pem: bytes | None) -> grpc.Channel:
        """A TLS channel to the plugin presenting the given client certificate (or none)."""
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.server_certificate_pem,
            private_key=key_pem,
            certificate_chain=certificate_pem,
        )
        return grpc.secure_channel(
            self.address, credentials, options=[("grpc.ssl_target_name_override", "localhost")]
        )


@pytest.fixture
def plugin() -> Iterator[RunningPlugin]:
    """A running stand-in given a client certificate in PLUGIN_CLIENT_CERT, as go-plugin does.

    The client key is P-521, like Terraform's.
    """
    client_key, client_certificate, _der = make_certificate(ec.SECP521R1())
    env = plugin_env(
        **{MAGIC_COOKIE_KEY: MAGIC_COOKIE_VALUE, "PLUGIN_CLIENT_CERT": client_certificate.decode()}
    )
    process = subprocess.Popen(PLUGIN, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        core, protocol, network, address, kind, certificate = line.split("|")
        assert (core, protocol, network, kind) == ("1", "6", "tcp", "grpc")
        assert address.startswith("127.0.0.1:")
        der = base64.b64decode(certificate + "=" * (-len(certificate) % 4))
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        running = RunningPlugin(address, pem, client_key, client_certificate)
        yield running
        with running.channel(client_key, client_certificate) as opened:
            opened.unary_unary("/plugin.GRPCController/Shutdown")(b"", timeout=10)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def channel(plugin: RunningPlugin) -> Iterator[grpc.Channel]:
    """A channel to the plugin presenting Terraform's client certificate."""
    with plugin.channel(plugin.client_key_pem, plugin.client_certificate_pem) as opened:
        yield opened


def health_check(channel: grpc.Channel) -> health_pb2.HealthCheckResponse:
    """go-plugin's health check of the service named "plugin"."""
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(service="plugin"), timeout=10)


def test_health_service_reports_plugin_serving(channel: grpc.Channel) -> None:
    """go-plugin's health check of service "plugin" is answered SERVING over mutual TLS."""
    assert health_check(channel).status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("presented", ["another certificate", "no certificate"])
def test_refuses_clients_without_terraforms_certificate(
    plugin: RunningPlugin, presented: str
) -> None:
    """A client that does not present the certificate in PLUGIN_CLIENT_CERT gets no answer."""
    key, certificate = (
        make_certificate()[:2] if presented == "another certificate" else (None, None)
    )
    with plugin.channel(key, certificate) as refused, pytest.raises(grpc.RpcError) as raised:
        health_check(refused)
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE


def test_schema_is_served_from_the_schema_file(channel: grpc.Channel) -> None:
    """GetProviderSchema returns the archive_file data source with its attributes and flags."""
    call = channel.unary_unary(
        "/tfplugin6.Provider/GetProviderSchema",
        request_serializer=pb.GetProviderSchema.Request.SerializeToString,
        response_deserializer=pb.GetProviderSchema.Response.FromString,
    )
    schema = call(pb.GetProviderSchema.Request(), timeout=30)
    block = schema.data_source_schemas["archive_file"].block
    attributes = {a.name: a for a in block.attributes}
    assert attributes["output_path"].required
    assert attributes["output_base64sha256"].computed
    assert attributes["excludes"].type == b'["set","string"]'
    (source,) = block.block_types
    assert (source.type_name, source.nesting) == ("source", pb.Schema.NestedBlock.SET)
    assert "archive_file" in schema.resource_schemas


def test_refuses_to_run_without_the_magic_cookie() -> None:
    """Run by hand, the plugin explains what it is and exits 1 instead of serving."""
    done = subprocess.run(
        PLUGIN, env=plugin_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "Terraform provider plugin" in done.stderr
    assert done.stdout == ""


def test_the_protocol_bindings_load_without_pyvider_s_package_init() -> None:
    """Terraform starts each stand-in several times per command; its start does not pay for
    pyvider's package `__init__` (provide.foundation, about 0.18 s), and the bindings it
    loads instead are pyvider's generated ones."""
    probe = (
        "import sys; from local_gateway.standin.protocol import pb; "
        "print('provide.foundation' in sys.modules, pb.__name__, "
        "pb.GetProviderSchema.DESCRIPTOR.full_name)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout.split()
    assert shown == [
        "False",
        "pyvider.protocols.tfprotov6.protobuf.tfplugin6_pb2",
        "tfplugin6.GetProviderSchema",
    ]
