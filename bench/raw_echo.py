"""The physical limit: an aiohttp WebSocket server that echoes each message, nothing more.

The gateway serves WebSockets with the same library, so the gap between the two is what
routing, invoking handlers and the `@connections` round trip cost.

    python -m bench.raw_echo   # prints its ws:// URL, serves until SIGINT or SIGTERM
"""

from __future__ import annotations

import socket

from aiohttp import WSMsgType, web

__all__ = ["create_app", "main"]


async def _echo(request: web.Request) -> web.WebSocketResponse:
    socket_ = web.WebSocketResponse()
    await socket_.prepare(request)
    async for message in socket_:
        if message.type is WSMsgType.TEXT:
            await socket_.send_str(message.data)
        elif message.type is WSMsgType.BINARY:
            await socket_.send_bytes(message.data)
    return socket_


def create_app() -> web.Application:
    """The echo application, at `/` as serverless-offline serves its stage."""
    app = web.Application()
    app.add_routes([web.get("/", _echo)])
    return app


def main() -> None:
    """Bind a free port on 127.0.0.1, print the URL, serve until stopped."""
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"ws://127.0.0.1:{listener.getsockname()[1]}/", flush=True)
    web.run_app(create_app(), sock=listener, print=None, access_log=None)


if __name__ == "__main__":
    main()
