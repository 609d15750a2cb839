"""`make demo`: a newcomer's one-command proof that the whole service runs locally.

Starts the gateway on a free port with the default routes and the real handlers,
connects a WebSocket client, sends one message, prints the echo and stops everything.
Exits 0 only if the echo is exactly the message sent.
"""

from __future__ import annotations

import asyncio
import json
import sys

import websockets

from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings

__all__ = ["main", "run_demo"]

_MESSAGE = json.dumps({"action": "hello", "text": "Hello from the local gateway"})


async def run_demo() -> bool:
    """Run the round trip; True when the echo matched."""
    async with GatewayService(settings=GatewaySettings(port=0)) as service:
        print(f"gateway up on {service.websocket_url}")
        async with websockets.connect(service.websocket_url) as client:
            print(f"sent: {_MESSAGE}")
            await client.send(_MESSAGE)
            echo = await asyncio.wait_for(client.recv(), timeout=30)
            print(f"echo: {echo}")
    print("gateway stopped")
    return echo == _MESSAGE


def main() -> int:
    """Entry point; returns the process exit code."""
    return 0 if asyncio.run(run_demo()) else 1


if __name__ == "__main__":
    sys.exit(main())
