"""Request bodies as the views read them, under every server: a WSGI middleware
(PEP 3333, around Django's own application object) and the one accessor views use.

Django's WSGI request reads ``Content-Length`` bytes of ``wsgi.input`` and takes
a body without one (``Transfer-Encoding: chunked``) for an empty one. Two things
are added here, without touching Django's handler:

- A body with a length reads through ``WholeBody``, which raises ``RequestAborted``
  when the body ends short of it (the client went away mid-body). A server's
  reader returns ``b""`` then, and Django's ``LimitedStream`` would take that for
  the end: a tus PATCH would answer 204 for half a chunk.
- A chunked body is capped by ``CappedBody`` (UPLOAD_MAX_REQUEST_BYTES, the cap
  the Content-Length check gives other bodies) and read from ``wsgi.input`` to its
  end by the upload views (``body_stream``), where the server hands it over
  dechunked and says so (``wsgi.input_terminated``: gunicorn; config.asgi sets it
  for its adapter, whose input ends with the ASGI body).
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.http import HttpRequest

from config.tuning import BODY_READ_ALL_STEP

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RequestTooLarge(Exception):
    """A body without a length read past UPLOAD_MAX_REQUEST_BYTES."""


class _Input(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def readline(self, size: int, /) -> bytes: ...


def body_without_length(meta: Mapping[str, Any]) -> bool:
    """Whether a request's body is framed by chunked transfer coding: it has no
    Content-Length and ends where the server's dechunked stream ends."""
    transfer_encoding = str(meta.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return not meta.get("CONTENT_LENGTH") and "chunked" in transfer_encoding


def chunked_input(meta: Mapping[str, Any]) -> Any:
    """The server's dechunked input of a chunked body (Django would read it as empty);
    None for any other body, or a server that does not say it ends the input."""
    if body_without_length(meta) and meta.get("wsgi.input_terminated"):
        return meta["wsgi.input"]
    return None


def body_stream(request: HttpRequest) -> Any:
    """What an upload view reads its body from: the request itself, or a chunked body's input."""
    return chunked_input(request.META) or request


class CappedBody:
    """A request body without a length, refused once more than ``cap`` bytes have been read."""

    def __init__(self, stream: _Input, cap: int) -> None:
        self._stream = stream
        self._cap = cap
        self._read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(BODY_READ_ALL_STEP), b""))
        return self._count(self._stream.read(size))

    def readline(self, size: int | None = -1, /) -> bytes:
        return self._count(self._stream.readline(-1 if size is None else size))

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._cap:
            raise RequestTooLarge(f"read {self._read} bytes of a body without a length")
        return data


class WholeBody:
    """A body with a Content-Length, read up to that length, which raises
    ``RequestAborted`` when it ends short of it or the connection is reset.
    Chunks are returned as the server's reader gives them, never joined or copied."""

    def __init__(self, stream: _Input, length: int) -> None:
        self._stream = stream
        self._left = length
        self.cut = False

    def read(self, size: int | None = -1, /) -> bytes:
        return self._taken(self._stream.read, size, whole=size is None or size < 0)

    def readline(self, size: int | None = -1, /) -> bytes:
        return self._taken(self._stream.readline, size, whole=False)

    def _taken(self, reader: Callable[[int], bytes], size: int | None, *, whole: bool) -> bytes:
        """What ``reader`` gives of the rest, ``size`` at most; ``whole``: all the rest was asked for."""
        if self._left <= 0 or size == 0:
            return b""
        try:
            data = reader(self._left if size is None or size < 0 else min(size, self._left))
        except ConnectionError as e:
            raise self._aborted(str(e)) from e
        self._left -= len(data)
        # Short of the length: a read that asked for all the rest, or one that got nothing.
        if self._left > 0 and (whole or not data):
            raise self._aborted(f"the body ended {self._left} bytes short of its Content-Length")
        return data

    def _aborted(self, reason: str) -> RequestAborted:
        self.cut = True
        return RequestAborted(f"client disconnected while sending the body ({reason})")


class BodyMiddleware:
    """WSGI middleware around Django's application: bodies read as described above."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if body_without_length(environ):
            environ["wsgi.input"] = CappedBody(environ["wsgi.input"], settings.UPLOAD_MAX_REQUEST_BYTES)
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # answered 400 by RequestSizeLimitMiddleware
        if length <= 0:
            return self.app(environ, start_response)
        body = WholeBody(environ["wsgi.input"], length)
        environ["wsgi.input"] = body
        response = self.app(environ, start_response)
        if body.cut:
            # No one is left to read an answer: none is written (a tus PATCH that kept
            # what came would say 204). Closing the response ends the request
            # (request_finished); gunicorn takes a reset (its errno, ECONNRESET) for the
            # client gone and closes the connection without a word or a log line.
            getattr(response, "close", lambda: None)()
            raise ConnectionResetError(errno.ECONNRESET, "the client went away mid-body")
        return response
