"""Server-sent events: every open page hears of each change and reloads what concerns it.

A listener first hears ``hello`` with the table's version (a page older than it reloads
at once: it missed a change while it connected), then a ``change`` for every rebuild
that changed anything, naming the pages whose content changed and whether the index
did.  Closing the hub ends every stream, so the server can shut down.
"""

from __future__ import annotations

import asyncio
import json

from .table import Rebuilt

KEEPALIVE = 15.0      # seconds between comments on a quiet stream (a gone reader is noticed)
RETRY_MS = 500        # how soon a browser reconnects to a server that went away


def event(kind: str, data: dict) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode("utf-8")


class Hub:
    """The open event streams of one server, fed by its rebuilds."""

    def __init__(self):
        self.listeners: set[asyncio.Queue] = set()
        self.closed = False

    def publish(self, version: int, rebuilt: Rebuilt) -> None:
        if not rebuilt.pages and not rebuilt.index:
            return
        message = event("change", {"version": version, "index": rebuilt.index,
                                   "pages": [list(page) for page in rebuilt.pages]})
        for queue in self.listeners:
            queue.put_nowait(message)

    def close(self) -> None:
        self.closed = True
        for queue in self.listeners:
            queue.put_nowait(None)

    async def stream(self, version: int):
        """One listener's events, until it goes away or the hub closes."""
        queue: asyncio.Queue = asyncio.Queue()
        self.listeners.add(queue)
        try:
            yield f"retry: {RETRY_MS}\n".encode() + event("hello", {"version": version})
            while not self.closed:
                try:
                    message = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    message = b": still here\n\n"
                if message is None:
                    return
                yield message
        finally:
            self.listeners.discard(queue)
