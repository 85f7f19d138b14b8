"""The upload center's domain errors; each API family maps them to HTTP in one place
(``exception_handlers.py`` for /fm/, ``drive/envelope.py`` for the drive)."""

from __future__ import annotations

from collections.abc import Iterable

from account.models import Refusal


def file_missing_text(name: str) -> str:
    """The answer for a name the user has no file under (CONTRACT sections 2 and 3)."""
    return f"{name} hasn't existed!"


class UploadError(Exception):
    """A refusal whose message is shown to the user as it is."""


class InvalidFileName(UploadError):
    pass


class NothingToStore(UploadError):
    """The request carries no file to store, or an empty one: none of it is kept."""

    @classmethod
    def empty_files(cls, names: Iterable[str]) -> NothingToStore:
        return cls(f"Empty files can't be uploaded: {', '.join(names)}.")


class FileNotFound(UploadError):
    def __init__(self, message: str, *, name: str = "") -> None:
        super().__init__(message)
        # The file's name in its owner's space, when the error is about one (the drive says it).
        self.name = name

    @classmethod
    def named(cls, name: str) -> FileNotFound:
        return cls(file_missing_text(name), name=name)


class NotAReupload(UploadError):
    """A Replace whose new file is not the re-upload stored beside the file it would replace."""


class FileHeld(UploadError):
    """A Replace of a file that another record holds as its own (a hand-in)."""


class QuotaRefused(UploadError):
    """Over the tier's file limit or the space left: the refusal carries its text and status."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.text)
        self.refusal = refusal


class UploadCutOff(UploadError):
    """cleanup_uploads removed the upload's row while its bytes were still arriving."""

    def __init__(self) -> None:
        super().__init__("The upload took too long and was cancelled; please send it again.")


class StorageUnavailable(UploadError):
    """The disk or the bucket failed (full, missing, unreachable); nothing was stored."""
