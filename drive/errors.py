"""The drive's domain errors; envelope.py maps them to HTTP."""

from __future__ import annotations


class DriveError(Exception):
    """A refusal whose message is shown to the user as it is."""

    status = 400

    def __init__(self, message: str, *, close_connection: bool = False) -> None:
        super().__init__(message)
        # Answered before the request body was read: the connection cannot be reused.
        self.close_connection = close_connection


class BadRequest(DriveError):
    status = 400


class WrongCredentials(DriveError):
    status = 403


class NotFound(DriveError):
    status = 404


class TooLarge(DriveError):
    """Over the tier's file limit or the space left (CONTRACT section 2 texts)."""

    status = 413
