"""The drive's own errors (the upload center's domain errors are shared); envelope.py
maps both to HTTP."""

from __future__ import annotations

from account.models import Refusal
from config.errors import StatusError


class DriveError(StatusError):
    """A refusal of the drive's API (its envelope's ``message``)."""

    def __init__(self, message: str, *, close_connection: bool = False) -> None:
        super().__init__(message)
        # Answered before the request body was read: the connection cannot be reused.
        self.close_connection = close_connection


class BadRequest(DriveError, status=400):
    pass


class WrongCredentials(DriveError, status=403):
    pass


class RefusedEarly(DriveError):
    """A quota refusal decided from the body's length alone, before any byte is stored."""

    def __init__(self, refusal: Refusal, *, close_connection: bool) -> None:
        super().__init__(refusal.text, close_connection=close_connection)
        self.status = refusal.status
