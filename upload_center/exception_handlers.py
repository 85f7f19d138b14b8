"""The /fm/ API's one mapping of errors to HTTP answers (CONTRACT section 2:
``{"detail": "<text>"}``). The drive formats the same statuses in its envelope."""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from upload_center.errors import (
    FileHeld,
    FileNotFound,
    InvalidFileName,
    NotAReupload,
    NothingToStore,
    QuotaRefused,
    StorageUnavailable,
    UploadCutOff,
    UploadError,
)

logger = logging.getLogger(__name__)

STATUSES: dict[type[UploadError], int] = {
    InvalidFileName: 400,
    NothingToStore: 400,
    UploadCutOff: 400,
    NotAReupload: 400,
    FileNotFound: 404,
    FileHeld: 409,
    StorageUnavailable: 503,
}


def upload_error_status(exc: UploadError) -> int:
    """The HTTP status of a domain error, the same for every API."""
    if isinstance(exc, QuotaRefused):
        return exc.refusal.status
    return next((status for kind, status in STATUSES.items() if isinstance(exc, kind)), 400)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StorageUnavailable):
        # The cause (disk full, S3 unreachable) is in __cause__; the user gets a plain sentence.
        logger.exception("request failed in storage", exc_info=exc)
    if isinstance(exc, UploadError):
        return Response({"detail": str(exc)}, status=upload_error_status(exc))
    return drf_exception_handler(exc, context)


class FmApi(APIView):
    """A view of the /fm/ family: its errors are answered by ``exception_handler``."""

    def get_exception_handler(self) -> Any:
        return exception_handler
