"""Mutual TLS in front of the plugin's gRPC server: only Terraform's own certificate gets in.

go-plugin's auto-mTLS gives the plugin Terraform's client certificate in
`PLUGIN_CLIENT_CERT`, and the plugin must accept connections presenting that
certificate and no other. Terraform's key is ECDSA P-521, which the BoringSSL
inside grpcio refuses for client authentication, so TLS ends here, in Python's
`ssl` (OpenSSL), and the decrypted HTTP/2 stream is relayed to the gRPC server
listening on a unix socket in a folder only this user can enter.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from pathlib import Path

__all__ = ["MutualTlsProxy", "server_context"]

_CHUNK = 64 * 1024


def server_context(
    *, key_file: Path, certificate_file: Path, client_certificate_pem: str
) -> ssl.SSLContext:
    """A TLS server context that requires a client certificate signed by the given one.

    The given certificate is self-signed and its key is the client's, so only that
    client can present a certificate that verifies. HTTP/2 is offered by ALPN, as
    gRPC clients require.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate_file, key_file)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=client_certificate_pem)
    context.set_alpn_protocols(["h2"])
    return context


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy bytes from `reader` to `writer` until either side closes."""
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


class MutualTlsProxy:
    """Accept mutual-TLS connections on 127.0.0.1 and relay each to a unix socket.

    The event loop runs in a thread of its own, so the caller (the plugin's main
    thread) only starts and closes it.
    """

    def __init__(self, *, context: ssl.SSLContext, client_certificate_der: bytes, upstream: Path):
        self._context = context
        self._expected = client_certificate_der
        self._upstream = upstream
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def start(self) -> int:
        """Start listening on a free loopback port and return it."""
        self._thread.start()
        opening = asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self._context)
        self._server = asyncio.run_coroutine_threadsafe(opening, self._loop).result()
        return self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        """Stop accepting, drop open connections and end the loop's thread."""
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # OpenSSL has verified the chain; this also pins the exact certificate.
        presented = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        if presented != self._expected:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_unix_connection(self._upstream)
        await asyncio.gather(
            _relay(reader, upstream_writer),
            _relay(upstream_reader, writer),
            return_exceptions=True,
        )
