from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from config.logging import request_id

# Bytes per read when a whole body without a length is asked for at once.
_READ_SIZE = 256 * 1024


def body_without_length(meta: Mapping[str, Any]) -> bool:
    """Whether a request's body is framed by chunked transfer coding: it has no
    Content-Length and ends where the server's dechunked stream ends."""
    transfer_encoding = str(meta.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return not meta.get("CONTENT_LENGTH") and "chunked" in transfer_encoding


class RequestTooLarge(Exception):
    """A body without a length read past UPLOAD_MAX_REQUEST_BYTES."""


class _Body(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...
    def close(self) -> None: ...


class CappedBody:
    """A request body without a length, refused once more than ``cap`` bytes
    have been read: the cap that the Content-Length check gives other bodies."""

    def __init__(self, stream: _Body, cap: int) -> None:
        self._stream = stream
        self._cap = cap
        self._read = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_READ_SIZE), b""))
        return self._count(self._stream.read(size))

    def readline(self, size: int | None = -1) -> bytes:
        return self._count(self._stream.readline(-1 if size is None else size))

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._cap:
            raise RequestTooLarge(f"read {self._read} bytes of a body without a length")
        return data

    def close(self) -> None:
        self._stream.close()


async def hooks_on_loop(self: Any, request: HttpRequest) -> HttpResponseBase:
    """``__acall__`` for a ``MiddlewareMixin`` whose hooks do no I/O: under ASGI
    (``async_mode``) its ``process_request`` and ``process_response`` run on the event
    loop, where Django's own ``__acall__`` hops to a thread for each. A predicate in
    ``RESPONSE_IN_THREAD`` names the requests whose ``process_response`` may touch the
    database (config/loop_middleware.py); those still run in the request's thread."""
    process_request = getattr(self, "process_request", None)
    response = process_request(request) if process_request else None
    response = response or await self.get_response(request)
    process_response = getattr(self, "process_response", None)
    if process_response is None:
        return response
    in_thread = RESPONSE_IN_THREAD.get(type(self))
    if in_thread is not None and in_thread(request):
        return await sync_to_async(process_response, thread_sensitive=True)(request, response)
    return process_response(request, response)


RESPONSE_IN_THREAD: dict[type, Callable[[HttpRequest], bool]] = {}


class LoopHooks:
    """Mixed into this project's ``MiddlewareMixin`` classes: their hooks run on the loop."""

    __acall__ = hooks_on_loop


def _too_large() -> JsonResponse:
    limit_mb = settings.UPLOAD_MAX_REQUEST_BYTES / 1048576
    response = JsonResponse(
        {"detail": f"Request body too large: the limit is {limit_mb:.3f} Megabytes."}, status=413
    )
    # The unread body would otherwise be parsed as the next request.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware(LoopHooks, MiddlewareMixin):
    """Answers 413 from the Content-Length header alone, before any byte of an
    oversized body is read (the body is streamed, so nothing is spooled yet).
    A chunked body has no length to judge: it is counted as it is read, and
    answered the same way once it passes the limit. Runs on the event loop under ASGI."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            return _too_large()
        if body_without_length(request.META):
            # Django's handlers keep the body in _stream and read it only through there.
            request._stream = CappedBody(request._stream, settings.UPLOAD_MAX_REQUEST_BYTES)  # type: ignore[assignment]
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Raised inside the view's parsing; the upload handlers have dropped
        # what they stored by the time it gets here.
        return _too_large() if isinstance(exception, RequestTooLarge) else None


class RequestIdMiddleware(LoopHooks, MiddlewareMixin):
    """Gives each request an id: the caller's ``X-Request-ID`` when it looks like
    one (a proxy's or another service's), a new one otherwise. It is in every log
    line written while the request runs and in the response's header. Runs on the
    event loop under ASGI."""

    header = "X-Request-ID"
    meta_key = "HTTP_X_REQUEST_ID"
    # Anything else could forge log fields or split header lines.
    valid = re.compile(r"[A-Za-z0-9._:-]{1,128}")

    def process_request(self, request: HttpRequest) -> None:
        # From META: request.headers would parse every header of the request for this one.
        sent = request.META.get(self.meta_key, "")
        rid = sent if self.valid.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs 4xx/5xx responses after the
        # middleware chain returns. _request_id_forget clears it at the very end.
        request_id.set(rid)

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response[self.header] = request.request_id  # type: ignore[attr-defined]
        return response


def _request_id_forget(**kwargs: object) -> None:
    """Sent when the response is closed, after Django's own response logging; a
    thread that serves requests one after another must not carry an id over."""
    request_id.set(None)


request_finished.connect(_request_id_forget, dispatch_uid="config.middleware.request_id_forget")
