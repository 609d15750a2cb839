"""The gateway's console page: a browser view of the stage, its connections and its logs.

Served by the gateway itself at `http://HOST:PORT/`; see `local_gateway.console.server`.
"""

from __future__ import annotations

from local_gateway.console.server import CONSOLE_PREFIX, ConnectionsTable, add_console

__all__ = ["CONSOLE_PREFIX", "ConnectionsTable", "add_console"]
