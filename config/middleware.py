from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.logging import request_id


class RequestSizeLimitMiddleware:
    """Answers 413 from the Content-Length header alone, before any byte of an
    oversized body is read (the body is streamed, so nothing is spooled yet)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            limit_mb = settings.UPLOAD_MAX_REQUEST_BYTES / 1048576
            response = JsonResponse(
                {"detail": f"Request body too large: the limit is {limit_mb:.3f} Megabytes."}, status=413
            )
            # The unread body would otherwise be parsed as the next request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives each request an id: the caller's ``X-Request-ID`` when it looks like
    one (a proxy's or another service's), a new one otherwise. It is in every log
    line written while the request runs and in the response's header."""

    header = "X-Request-ID"
    # Anything else could forge log fields or split header lines.
    valid = re.compile(r"[A-Za-z0-9._:-]{1,128}")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(self.header, "")
        rid = sent if self.valid.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs 4xx/5xx responses after the
        # middleware chain returns. _request_id_forget clears it at the very end.
        request_id.set(rid)
        response = self.get_response(request)
        response[self.header] = rid
        return response


def _request_id_forget(**kwargs: object) -> None:
    """Sent when the response is closed, after Django's own response logging; a
    thread that serves requests one after another must not carry an id over."""
    request_id.set(None)


request_finished.connect(_request_id_forget, dispatch_uid="config.middleware.request_id_forget")
