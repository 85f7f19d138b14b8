from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


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
