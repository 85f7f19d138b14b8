"""The upload center's domain errors; apis.py maps them to HTTP."""

from __future__ import annotations


class UploadError(Exception):
    """A refusal whose message is shown to the user as it is."""


class InvalidFileName(UploadError):
    pass


class FileNotFound(UploadError):
    pass


class StorageUnavailable(UploadError):
    """The disk or the bucket failed (full, missing, unreachable); nothing was stored."""
