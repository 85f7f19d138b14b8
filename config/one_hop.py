"""Public downloads under ASGI: Django's sync handler in one thread hop.

A link pasted on a class page is opened by a whole class in the same second.
Through Django's ASGI handler each of those requests took four trips to a thread
through asgiref (the request_started receivers, the view, the response's close
and its request_finished receivers), and every trip woke one of up to 64 request
threads that then fought the event loop for the GIL: about 2.4 ms of CPU for an
answer of headers alone (DOWNLOAD_OFFLOAD=nginx, bench/class_load.py (f)).

Here a GET or HEAD without a body on one of ``PREFIXES`` is answered the way
WSGI answers it: the request_started signal, the middlewares (in their sync mode;
without a cookie only those that act on a public download, config/one_hop_chain.py),
the URL resolution, view, error handling and response logging, all in one call on
a small pool of threads; the answer is sent from the event loop,
a streamed body read chunk by chunk off the loop as under Django's handler
(downloads.StorageFileResponse). Every rule stays in the view and the
middlewares, so the Django and DRF test clients and WSGI give the same answers.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

from config.one_hop_chain import LeanHandler
from config.streaming import StreamingASGIHandler

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]

# Paths whose answers need no request body, session or user: the public download.
# Share links (/s/) stay on Django's handler.
PREFIXES = ("/fm/download/",)


def _one_hop(scope: Mapping[str, Any]) -> bool:
    if scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(PREFIXES):
        return False
    headers = dict(scope.get("headers", []))
    # A body would have to be received first: such a request goes the usual way.
    return headers.get(b"content-length", b"0") == b"0" and b"transfer-encoding" not in headers


def pool_size() -> int:
    """Threads for the answers. On local disk an answer is CPU under the GIL but for a
    query and a read of a page-cached file: two threads, one answering while the other
    waits. More only took turns at the GIL across the cores, each turn on a core whose
    caches the last one had not warmed (2 cores, bench/class_load.py: 1 or 2 threads
    answered (f) at about 1300-1600 req/s for 0.45-0.6 ms of CPU each, 8 at 1170-1340 for
    0.55-0.67 ms; (a) at 650-720 req/s with p99 116-140 ms against 570-580 and 310-340 ms).
    On S3 each answer also waits for a HEAD or the object's first bytes, many at once."""
    return 8 if settings.S3_BUCKET else 2


class OneHopHandler:
    """The HTTP application: ``_one_hop`` requests here, the rest to ``django``."""

    def __init__(self, django: StreamingASGIHandler) -> None:
        self.django = django
        self.sync = BaseHandler()
        self.sync.load_middleware(is_async=False)
        self.lean = LeanHandler()
        self.pool = ThreadPoolExecutor(pool_size(), thread_name_prefix="one-hop")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _one_hop(scope):
            await self.django(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.pool, _in_context(self._respond), scope)
        if not response.streaming:
            await self.django.send_response(response, send)
            return
        try:
            await self._stream(response, receive, send)
        finally:
            await loop.run_in_executor(self.pool, _in_context(response.close))

    def _respond(self, scope: dict[str, Any]) -> HttpResponseBase:
        """The answer, as WSGIHandler.__call__ makes it (in a pool thread)."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=type(self.django), scope=scope)
        request, response = self.django.create_request(scope, io.BytesIO())
        if request is not None:
            response = self._handler(request).get_response(request)  # an exception becomes a response there
        assert response is not None
        response._handler_class = type(self.django)  # type: ignore[attr-defined]  # request_finished's sender
        if isinstance(response, FileResponse):
            response.block_size = self.django.chunk_size
        if not response.streaming:
            response.close()  # the whole body is in memory: request_finished now, in this thread
        return response

    def _handler(self, request: HttpRequest) -> BaseHandler:
        """The lean chain for a request it answers as the whole one would (LeanHandler)."""
        match = self.lean.match(request)
        if match is None:
            return self.sync
        request.resolver_match = match
        return self.lean

    async def _stream(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """Sends a streamed answer; a client gone stops the reading (as Django's handler)."""
        sending = asyncio.create_task(self.django.send_response(response, send))
        listening = asyncio.create_task(_disconnected(receive))
        try:
            await asyncio.wait((sending, listening), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sending, listening):
                task.cancel()  # nothing for a task done
            sent, _ = await asyncio.gather(sending, listening, return_exceptions=True)
        if isinstance(sent, Exception):  # a failed read of the stored bytes, say: logged by the server
            raise sent


async def _disconnected(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _in_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run in a fresh context: a request's context variables (its id in the
    logs) stay with that request, not with the pool thread that ran it."""

    def run(*args: Any) -> Any:
        return contextvars.Context().run(fn, *args)

    return run
