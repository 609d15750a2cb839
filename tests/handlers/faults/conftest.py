"""Fixtures for the handlers' fault tests: a server that never answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte back.

    The fault of a service that is reachable but hung: only the client's read
    timeout ends a request. Connections are held open until `close`.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The http URL a client is pointed at."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def connections(self) -> int:
        """How many connections were accepted: one per attempt of the client."""
        return len(self._held)

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            self._held.append(connection)

    def close(self) -> None:
        """Stop accepting and drop every held connection."""
        self._stopped.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self._listener.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """A server that accepts connections and never answers, stopped after the test."""
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()
