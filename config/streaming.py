"""An ASGI handler that hands the request body to the view as it arrives.

Django's ``ASGIHandler.read_body`` spools the whole body to a temporary file
before any view runs, so a 1 GiB upload is written to disk twice (spool, then
storage) and the view starts only after the last byte. Here the body is a
file-like object that the view's worker thread reads while the event loop keeps
receiving ahead of it (a few MiB at most), so upload handlers write each chunk
straight to its final place while the client is still sending. A body cut off
by the client reads to the last byte that came, then raises ``RequestAborted``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, async_to_sync
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.db import connections

from config.loop_middleware import csrf_view_check_install, loop_hooks_install

Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class _Receive:
    """Owns the ASGI ``receive`` of one request.

    A pump task reads body messages ahead of the view, so receiving overlaps
    the view's hashing and writing; what is queued plus what the view took last
    stays within ``read_ahead`` bytes (and one message). Django's
    disconnect listener calls this object and only gets to ``receive`` once the
    pump has stopped, otherwise it would swallow body messages.
    """

    read_ahead = 4 * 1024 * 1024

    def __init__(self, receive: Receive, *, has_body: bool) -> None:
        self.raw = receive
        self.body_done = asyncio.Event()
        self.disconnected = False
        self._more = has_body
        self._chunks: deque[bytes] = deque()
        # Bytes received and not yet done with: queued here, or handed to the
        # view by the last pull() (done with when the view pulls again).
        self._buffered = 0
        self._handed = 0
        self._data = asyncio.Event()
        self._room = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
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

    async def _run_pump(self) -> None:
        try:
            while self._more:
                while self._buffered >= self.read_ahead:
                    self._room.clear()
                    await self._room.wait()
                message = await self.raw()
                if message["type"] == "http.disconnect":
                    self.disconnected = True
                    self._more = False
                else:
                    if chunk := message.get("body", b""):
                        self._chunks.append(chunk)
                        self._buffered += len(chunk)
                    self._more = message.get("more_body", False)
                self._data.set()
        finally:
            self._more = False
            self._data.set()
            self.body_done.set()

    async def pull(self, size: int) -> tuple[list[bytes], bool]:
        """The body messages buffered once at least ``size`` bytes are (or the
        body has ended or been cut), and whether more follow. Chunks are handed over
        as received: splitting or joining them here would copy every byte again.

        ``RequestAborted`` once the client went away and nothing it sent is left.
        The view may still be writing the last chunks when Django's disconnect
        listener cancels it: a pull after the disconnect never waits, so there is no
        await for that cancellation to land on and the view still hears of the cut
        as ``RequestAborted`` (asgiref lets the view's thread run on)."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._run_pump())
        # The view has used what it took last time: that room is free again.
        self._buffered -= self._handed
        self._handed = 0
        self._room.set()
        while self._buffered < size and self._more:
            self._data.clear()
            await self._data.wait()
        # What came before a disconnect is handed out first: it reached the server, and
        # a cut tus PATCH keeps it. The next pull finds the queue empty and raises.
        if self.disconnected and not self._chunks:
            raise RequestAborted("client disconnected while sending the body")
        taken = list(self._chunks)
        self._chunks.clear()
        # Still counted against read_ahead until the view is back for more, so a
        # request in flight holds read_ahead bytes at most, queued and taken.
        self._handed = self._buffered
        # After a cut, "more" sends the view back for its RequestAborted.
        return taken, self._more or self.disconnected

    async def close(self) -> None:
        if self._pump is not None and not self._pump.done():
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump


class StreamingBody:
    """A read-only, non-seekable request body fed by ASGI messages.

    ``read(size)`` returns a whole received chunk when it fits in ``size``, so
    it may return fewer bytes than asked for before the end, as a socket does.
    """

    # Bytes asked of the event loop per thread hop.
    pull_size = 2 * 1024 * 1024

    def __init__(self, receive: _Receive) -> None:
        self._receive = receive
        self._chunks: deque[bytes] = deque()
        self._more = not receive.body_done.is_set()

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(self.pull_size), b""))
        while not self._chunks:
            if not self._more:
                return b""
            chunks, self._more = async_to_sync(self._receive.pull)(self.pull_size)
            self._chunks.extend(chunk for chunk in chunks if chunk)
        chunk = self._chunks.popleft()
        if len(chunk) > size:
            self._chunks.appendleft(chunk[size:])
            chunk = chunk[:size]
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = b""
        while not line.endswith(b"\n") and (size is None or size < 0 or len(line) < size):
            char = self.read(1)
            if not char:
                break
            line += char
        return line

    def close(self) -> None:
        pass


class RequestThread(ThreadPoolExecutor):
    """The one thread that runs a request's thread-sensitive code (asgiref's
    ``sync_to_async``: sync middleware hooks, signals, sync views), kept for
    later requests once idle."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="request")
        self._last: Future[Any] | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self._last = super().submit(fn, *args, **kwargs)
        return self._last

    def idle(self) -> bool:
        # One worker, first in first out: the last call done means all are.
        return self._last is None or self._last.done()


class RequestThreads:
    """Idle request threads. Django's handler starts a thread for every request,
    and one more to join it at the end; starting them from the event loop was a
    large share of a small download's cost under load (bench/class_load.py)."""

    keep = 64  # idle threads kept; more requests at once start more

    def __init__(self) -> None:
        self._idle: list[RequestThread] = []

    def take(self) -> RequestThread:
        return self._idle.pop() if self._idle else RequestThread()

    def give_back(self, thread: RequestThread, *, finished: bool) -> None:
        """Keeps ``thread`` for the next request if its request ``finished`` (Django
        closed the request's database connections) and it runs nothing more."""
        if finished and thread.idle() and len(self._idle) < self.keep:
            self._idle.append(thread)
            return
        # A request cut short (the server stopping, the task cancelled) may have left
        # a connection open in its thread; a view still running finishes first.
        thread.submit(connections.close_all)
        thread.shutdown(wait=False)


class StreamingASGIHandler(ASGIHandler):
    # Django splits every response part into 64 KiB send() calls; each costs an
    # await on the event loop, which held downloads near 1 GB/s (about 2.5 GB/s
    # with 4 MiB, like nginx's sendfile here).
    chunk_size = 4 * 1024 * 1024

    def __init__(self) -> None:
        loop_hooks_install()
        super().__init__()
        csrf_view_check_install(self._view_middleware)  # type: ignore[attr-defined]
        self.threads = RequestThreads()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Any) -> None:
        if scope["type"] != "http":  # as Django's
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        thread = self.threads.take()
        finished = False
        try:
            async with ThreadSensitiveContext(executor=thread):
                await self.handle(scope, receive, send)
            finished = True
        finally:
            self.threads.give_back(thread, finished=finished)

    async def handle(self, scope: dict[str, Any], receive: Receive, send: Any) -> None:
        headers = dict(scope.get("headers", []))
        has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
        body = _Receive(receive, has_body=has_body)
        try:
            await super().handle(scope, body, send)
        finally:
            await body.close()

    async def read_body(self, receive: _Receive) -> StreamingBody:  # type: ignore[override]
        return StreamingBody(receive)
