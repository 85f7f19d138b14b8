"""The drive's JSON envelope (CONTRACT section 3), for answers and for errors."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestAborted
from django.http import Http404
from rest_framework.exceptions import APIException, AuthenticationFailed, NotAuthenticated
from rest_framework.response import Response

from config.body import RequestTooLarge
from drive.errors import DriveError
from upload_center.errors import FileNotFound, StorageUnavailable, UploadError
from upload_center.exception_handlers import upload_error_status

logger = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    # Not in CONTRACT section 3's list: a wrong method is answered as HTTP says
    # (405 with the Allow header), in the same envelope.
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    # Also beyond the contract's list: login throttling (account.throttling), with Retry-After.
    429: "too_many_requests",
    500: "internal_server_error",
}

ERROR_STATUSES = list(CODES.values())


def ok(data: Any) -> Response:
    return Response({"status": "ok", "data": data})


def failure(status: int, message: str, data: Any = None) -> Response:
    # The contract knows these codes only: other client errors (415, 406) are bad requests.
    if status not in CODES:
        status = 400 if status < 500 else 500
    return Response({"status": CODES[status], "message": message, "data": data or {}}, status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StorageUnavailable):
        logger.exception("drive upload failed in storage", exc_info=exc)
        return failure(500, str(exc))
    if isinstance(exc, UploadError):
        # A missing file is named in the data: the page says which (a Replace has two).
        missing = {"key": exc.name} if isinstance(exc, FileNotFound) and exc.name else None
        return failure(upload_error_status(exc), str(exc), missing)
    if isinstance(exc, DriveError):
        response = failure(exc.status, str(exc))
        if exc.close_connection:
            response["Connection"] = "close"
        return response
    if isinstance(exc, NotAuthenticated | AuthenticationFailed):
        # DRF would turn these into 403 for session auth; the contract says 401.
        return failure(401, "Log in first.")
    if isinstance(exc, APIException):
        detail = exc.detail
        if isinstance(detail, dict):
            return failure(exc.status_code, "Invalid request.", detail)
        if isinstance(detail, list):
            return failure(exc.status_code, " ".join(str(d) for d in detail))
        return failure(exc.status_code, str(detail))
    if isinstance(exc, Http404):
        return failure(404, "Not found.")
    if isinstance(exc, RequestAborted):
        return None  # the client is gone; Django ends the request quietly
    if isinstance(exc, RequestTooLarge):
        return None  # answered by RequestSizeLimitMiddleware, as a body over the cap with a length is
    logger.exception("drive request failed", exc_info=exc)
    return failure(500, "Internal server error.")
