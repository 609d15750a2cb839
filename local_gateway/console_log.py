"""The gateway's console: every tagged line the functions write, in one place.

Lambda sends each function's output to CloudWatch Logs; locally the lines go to the
gateway's stderr, as `sam local` and serverless-offline print them, and to whoever
subscribed (the browser console page). A bounded ring of recent lines lets a late
subscriber see what happened just before it came.
"""

from __future__ import annotations

import asyncio
import collections
import sys
from typing import TextIO

__all__ = ["ConsoleLog"]

# Lines a subscriber may lag behind before its oldest unread lines are dropped: a stalled
# browser tab must not grow the gateway's memory without bound.
_SUBSCRIBER_BACKLOG = 1000


class ConsoleLog:
    """Prints lines to stderr and fans them out to subscribers.

    Used from the gateway's event loop only (the worker pipes are read there), so it
    needs no lock.

    Args:
        recent_lines: How many recent lines `recent()` keeps for late subscribers.
        stream: Where lines are printed; default: the gateway's stderr.
    """

    def __init__(self, *, recent_lines: int = 500, stream: TextIO | None = None) -> None:
        if recent_lines < 0:
            raise ValueError(f"recent_lines must be >= 0, got {recent_lines}")
        self._recent: collections.deque[str] = collections.deque(maxlen=recent_lines)
        self._subscribers: set[asyncio.Queue[str]] = set()
        self._stream = stream

    def write(self, line: str) -> None:
        """Print one line (without its newline) and hand it to every subscriber."""
        line = line.rstrip("\n")
        stream = self._stream if self._stream is not None else sys.stderr
        stream.write(line + "\n")
        stream.flush()
        self._recent.append(line)
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(line)

    def subscribe(self) -> asyncio.Queue[str]:
        """A queue that receives every line written from now on (see `recent` for before)."""
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=_SUBSCRIBER_BACKLOG)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        """Stop feeding `queue`; unknown queues are ignored."""
        self._subscribers.discard(queue)

    def recent(self) -> list[str]:
        """The most recent lines, oldest first."""
        return list(self._recent)
