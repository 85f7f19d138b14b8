"""The export's domain errors; clients turn vendor failures into these."""

from __future__ import annotations


class ExportFailed(Exception):
    """One step of an export failed.

    ``permanent`` means nothing in the job can succeed any more (a full disk, a
    token that cannot be renewed): the job stops and the photos not yet done count
    as failed. ``retry`` is False when this photo cannot succeed by trying again
    (a 400 or 404), True for 429, 5xx, timeouts and dropped connections.
    ``token_renewed`` means the access token died during a request that could not
    be repeated (a streamed upload) and has been renewed: not the photo's fault.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry: bool = True, token_renewed: bool = False
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry = retry and not permanent
        self.token_renewed = token_renewed


class ExportLinkInvalid(Exception):
    """A start link or OAuth answer that cannot start an export.

    ``fail_link`` is where the browser goes when the request it belongs to is known.
    """

    def __init__(self, message: str, *, fail_link: str | None = None) -> None:
        super().__init__(message)
        self.fail_link = fail_link
