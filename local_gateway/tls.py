"""A certificate authority made at start, so the stage can be served over TLS on 127.0.0.1.

AWS's samples build the management API's URL from the event, `https://{domainName}/{stage}`
(for instance `python/cross_service/apigateway_websocket_chat/lambda_chat.py` in
awsdocs/aws-doc-sdk-examples, and the Node.js `simple-websockets-chat-app`). For that
code to run unchanged, the gateway serves the same API over TLS too, with a leaf
certificate for `127.0.0.1`/`localhost` signed by a local CA created for this run only.

Functions are told to trust it through `AWS_CA_BUNDLE`, which botocore reads as its
`ca_bundle` setting (boto3 developer guide, "Configuration": "The path to a custom
certificate bundle to use when establishing SSL/TLS connections") and which *replaces*
its default roots (botocore passes it as `verify`, and only without it falls back to
`certifi.where()`). So the bundle holds the usual roots first, then the local CA: a
function that also calls a real HTTPS endpoint still verifies it.

The CA's key never leaves memory; the files live in a temporary folder removed on stop.
"""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["LocalTLS", "create_local_tls"]

# Long enough for any run, short enough that a leaked file is soon worthless.
_VALIDITY = timedelta(days=2)
_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True)
class LocalTLS:
    """The files of one run's local CA and the server certificate it signed.

    Attributes:
        directory: The temporary folder holding them; `remove` deletes it.
        ca_file: The local CA's certificate (PEM), for clients that want only it.
        bundle_file: The usual roots plus the local CA: what `AWS_CA_BUNDLE` names.
        cert_file: The server certificate (PEM), valid for `names`.
        key_file: Its private key (PEM).
        names: The host names and addresses the certificate is valid for.
    """

    directory: Path
    ca_file: Path
    bundle_file: Path
    cert_file: Path
    key_file: Path
    names: tuple[str, ...]

    def server_context(self) -> ssl.SSLContext:
        """A TLS server context presenting the leaf certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts exactly the local CA (for tests and tools)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def remove(self) -> None:
        """Delete the files; safe to call twice."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alternative_names(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def create_local_tls(*, hosts: tuple[str, ...] = ()) -> LocalTLS:
    """Create a CA and a server certificate for 127.0.0.1, localhost and `hosts`.

    EC P-256 keys: generating them takes milliseconds, so start-up stays fast.
    """
    names = tuple(dict.fromkeys(("127.0.0.1", "localhost", "::1", *hosts)))
    now = datetime.now(UTC)
    not_before, not_after = now - _SKEW, now + _VALIDITY

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Local API Gateway CA (this run only)")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )

    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(_alternative_names(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )

    directory = Path(tempfile.mkdtemp(prefix="local-gateway-tls-"))
    ca_file = directory / "local-ca.pem"
    bundle_file = directory / "ca-bundle.pem"
    cert_file = directory / "server.pem"
    key_file = directory / "server-key.pem"
    ca_file.write_bytes(_pem(ca_cert))
    # botocore's default roots, loaded here: the gateway's start-up need not wait for botocore.
    from botocore.httpsession import where as default_ca_bundle  # noqa: PLC0415

    roots = Path(default_ca_bundle()).read_bytes().rstrip(b"\n")
    bundle_file.write_bytes(roots + b"\n\n" + _pem(ca_cert))
    cert_file.write_bytes(_pem(leaf_cert))
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return LocalTLS(
        directory=directory,
        ca_file=ca_file,
        bundle_file=bundle_file,
        cert_file=cert_file,
        key_file=key_file,
        names=names,
    )
