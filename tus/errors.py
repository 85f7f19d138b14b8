"""The tus API's refusals: each carries its HTTP status (tus 1.0.0 and CONTRACT section 6);
``tus.apis`` turns them into answers in one place."""

from __future__ import annotations


class TusError(Exception):
    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(TusError):
    status = 400


class UploadNotFound(TusError):
    status = 404


class OffsetConflict(TusError):
    """The PATCH's Upload-Offset is not the upload's offset, or another PATCH holds it."""

    status = 409


class VersionUnsupported(TusError):
    status = 412


class Refused(TusError):
    """Over the tier's file limit or the space left (the quota's texts)."""

    status = 413


class WrongContentType(TusError):
    status = 415


class ChecksumMismatch(TusError):
    # tus's checksum extension: "460 Checksum Mismatch".
    status = 460


class StorageFailed(TusError):
    status = 503
