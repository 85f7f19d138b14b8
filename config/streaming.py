"""An ASGI handler that hands the request body to the view as it arrives.

Django's ``ASGIHandler.read_body`` spools the whole body to a temporary file
before any view runs, so a 1 GiB upload is written to disk twice (spool, then
storage) and the view starts only after the last byte. Here the body is a
file-like object that pulls ASGI ``http.request`` messages on demand from the
view's worker thread, so upload handlers write each chunk straight to its final
place while the client is still sending.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]


class _Receive:
    """Shares one ASGI ``receive`` between the body reader and Django's
    disconnect listener: the listener may only read once the body is consumed,
    otherwise it would swallow body messages."""

    def __init__(self, receive: Receive, *, has_body: bool) -> None:
        self.raw = receive
        self.body_done = asyncio.Event()
        self.disconnected = False
        if not has_body:
            self.body_done.set()

    async def __call__(self) -> Message:
        await self.body_done.wait()
        if self.disconnected:
            return {"type": "http.disconnect"}
        while True:
            message = await self.raw()
            # A body-less request still gets one empty http.request message.
            if message["type"] != "http.request":
                return message

    async def pull(self, size: int) -> tuple[bytes, bool]:
        """Gather body messages until ``size`` bytes or the end of the body;
        batching keeps thread hops per megabyte low."""
        chunks: list[bytes] = []
        got = 0
        more = True
        while more and got < size:
            message = await self.raw()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                self.body_done.set()
                raise RequestAborted("client disconnected while sending the body")
            chunk = message.get("body", b"")
            chunks.append(chunk)
            got += len(chunk)
            more = message.get("more_body", False)
        if not more:
            self.body_done.set()
        return b"".join(chunks), more


class StreamingBody(io.RawIOBase):
    """A read-only, non-seekable request body fed by ASGI messages."""

    # Bytes asked of the event loop per hop; reads smaller than this are served
    # from the buffer.
    pull_size = 1024 * 1024

    def __init__(self, receive: _Receive) -> None:
        self._receive = receive
        self._buffer = bytearray()
        self._more = not receive.body_done.is_set()

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        if not self._buffer and self._more:
            data, self._more = async_to_sync(self._receive.pull)(max(len(target), self.pull_size))
            self._buffer += data
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        del self._buffer[:size]
        return size


class StreamingASGIHandler(ASGIHandler):
    async def handle(self, scope: dict[str, Any], receive: Receive, send: Any) -> None:
        headers = dict(scope.get("headers", []))
        has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
        await super().handle(scope, _Receive(receive, has_body=has_body), send)

    async def read_body(self, receive: _Receive) -> io.BufferedReader:  # type: ignore[override]
        return io.BufferedReader(StreamingBody(receive), buffer_size=StreamingBody.pull_size)
