"""WSGI entry point (HTTP only; WebSockets need config.asgi)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any, Protocol

from config.memory import malloc_tune

# As in config.asgi: large buffers go back to the system when freed.
malloc_tune()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.wsgi import LimitedStream, WSGIHandler, WSGIRequest  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.http.response import HttpResponseBase  # noqa: E402

from config.middleware import body_without_length  # noqa: E402


class _Input(Protocol):
    def read(self, size: int, /) -> bytes: ...
    def readline(self, size: int, /) -> bytes: ...


class WholeBody:
    """A body with a Content-Length, read up to that length (as Django's LimitedStream),
    which raises ``RequestAborted`` when it ends short of it.

    A client that closes its connection mid-body leaves gunicorn's reader at its end:
    it returns b"", and Django's LimitedStream takes that for the end of the body. A
    view would then handle a cut body as a whole one (a tus PATCH announces progress and
    answers 204). Under ASGI the same cut reads to the last byte that came, then raises
    ``RequestAborted`` (config.streaming), which the views already take for the client
    gone: it is raised here too, and for a connection reset, the same cut. Chunks are
    returned as the server's reader gives them, never joined or copied.
    """

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

    def close(self) -> None:
        pass


class ChunkedWSGIRequest(WSGIRequest):
    """Django's WSGI request, which also reads a chunked body, and knows a cut one.

    Django reads ``Content-Length`` bytes of ``wsgi.input``, so a body without
    one reads as empty. A server that sets ``wsgi.input_terminated`` (gunicorn)
    hands the body over dechunked, ending at its end: read it to there.
    RequestSizeLimitMiddleware caps what is read of it. A chunked body has no length
    to fall short of: gunicorn raises its own error (NoMoreData, an OSError, which
    Django's ``read`` gives as UnreadablePostError) when the connection ends mid-chunk.
    A body with a length is a ``WholeBody``.
    """

    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        self._whole: WholeBody | None = None
        if environ.get("wsgi.input_terminated") and body_without_length(environ):
            self._stream = environ["wsgi.input"]
        elif isinstance(self._stream, LimitedStream):
            # At the length WSGIRequest found (0 for a missing or bad header).
            self._whole = WholeBody(environ["wsgi.input"], self._stream.limit)
            self._stream = self._whole  # type: ignore[assignment]

    @property
    def body_cut(self) -> bool:
        """Whether the client went away before its body's last byte."""
        return self._whole is not None and self._whole.cut


class ChunkedWSGIHandler(WSGIHandler):
    request_class = ChunkedWSGIRequest

    # django-stubs leave out the None that Django returns when no middleware answers.
    def process_exception_by_middleware(  # type: ignore[override]
        self, exception: Exception, request: HttpRequest
    ) -> HttpResponse | None:
        if isinstance(exception, RequestAborted):
            # The client went away mid-body (WholeBody): no server error to answer 500
            # and log with its traceback. get_response drops this answer, which no one
            # would read; under ASGI Django cancels the view and logs nothing either.
            return HttpResponse(status=204)
        return super().process_exception_by_middleware(exception, request)

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        response = super().get_response(request)
        if isinstance(request, ChunkedWSGIRequest) and request.body_cut:
            # No one is left to read an answer: as under ASGI, none is written (a tus
            # PATCH that kept what came would say 204). Closing the response ends the
            # request (request_finished); gunicorn takes a reset for the client gone and
            # closes the connection without a word or a log line above debug.
            response.close()
            raise ConnectionResetError(errno.ECONNRESET, "the client went away mid-body")
        return response


# As django.core.wsgi.get_wsgi_application, with the request class above.
django.setup(set_prefix=False)
application = ChunkedWSGIHandler()
