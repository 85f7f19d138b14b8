"""The base of the refusals that carry their own HTTP status (the drive's, tus's). Each
API family subclasses it and turns its refusals into its own envelope in one place
(``drive.envelope``, ``tus.apis``); the upload center's domain errors have no status
of their own (each family maps them)."""

from __future__ import annotations

from typing import Any


class StatusError(Exception):
    """A refusal whose text is shown to the client as it is, answered with ``status``.

    A subclass names its status in its header: ``class NotFound(MyError, status=404)``."""

    status = 400

    def __init_subclass__(cls, *, status: int | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
