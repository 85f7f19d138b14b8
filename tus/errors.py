"""The tus API's refusals: each carries its HTTP status (tus 1.0.0 and CONTRACT section 6);
``tus.apis`` turns them into answers in one place."""

from __future__ import annotations

from account.models import Refusal
from config.errors import StatusError


class TusError(StatusError):
    pass


class BadRequest(TusError, status=400):
    pass


class UploadNotFound(TusError, status=404):
    pass


class OffsetConflict(TusError, status=409):
    """The PATCH's Upload-Offset is not the upload's offset, or another PATCH holds it."""


class VersionUnsupported(TusError, status=412):
    pass


class Refused(TusError, status=413):
    """Over the tier's file limit or the space left (the quota's texts); ``refusal``: which."""

    def __init__(self, text: str, refusal: Refusal | None = None) -> None:
        super().__init__(text)
        self.refusal = refusal


class WrongContentType(TusError, status=415):
    pass


class ChecksumMismatch(TusError, status=460):
    """tus's checksum extension: "460 Checksum Mismatch"."""


class StorageFailed(TusError, status=503):
    pass
