from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from config.body import RequestTooLarge
from config.logging import request_id


def _too_large() -> JsonResponse:
    limit_mb = settings.UPLOAD_MAX_REQUEST_BYTES / 1048576
    response = JsonResponse(
        {"detail": f"Request body too large: the limit is {limit_mb:.3f} Megabytes."}, status=413
    )
    # The unread body would otherwise be parsed as the next request.
    response["Connection"] = "close"
    return response


class RequestSizeLimitMiddleware(MiddlewareMixin):
    """Answers 413 from the Content-Length header alone, before any byte of an
    oversized body is read (the body is streamed, so nothing is spooled yet).
    A chunked body has no length to judge: it is counted as it is read
    (config.body.CappedBody), and answered the same way once it passes the limit."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length header."}, status=400)
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            return _too_large()
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Raised inside the view's parsing (config.body); the upload handlers have
        # dropped what they stored by the time it gets here.
        if isinstance(exception, RequestTooLarge):
            return _too_large()
        if isinstance(exception, RequestAborted):
            # The client went away mid-body: no server error to log with a traceback.
            # No one reads this answer; config.body.BodyMiddleware drops it.
            return HttpResponse(status=400)
        return None


class RequestIdMiddleware(MiddlewareMixin):
    """Gives each request an id: the caller's ``X-Request-ID`` when it looks like
    one (a proxy's or another service's), a new one otherwise. It is in every log
    line written while the request runs and in the response's header."""

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
