"""The upload side of a file request: the project's streaming upload handler, storing
into the request owner's space under ``<title> - <uploader> - <file>``, with the
request's own rules (allowed extensions, its size limits) before the owner's tier."""

from __future__ import annotations

from typing import Any

from account.models import Refusal
from sharing.models import FileRequest
from sharing.requests_services import submission_file_begin
from tus.errors import Refused
from upload_center.errors import InvalidFileName, QuotaRefused
from upload_center.handlers import StoringUploadHandler
from upload_center.uploads import Upload, UploadState

FIELD = "file"

# The contract's "You don't have enough space..." would read as the student's own
# space being full: it is the owner's, and only the owner can free it.
OWNER_SPACE_FULL = "This request cannot take this file: its owner's space is full. Let them know."


def uploader_refusal_text(error: Exception) -> str:
    """A refusal as the person handing in reads it."""
    refusal = error.refusal if isinstance(error, QuotaRefused | Refused) else None
    return OWNER_SPACE_FULL if refusal is not None and refusal.kind == "no_space" else str(error)


class SubmissionUploadHandler(StoringUploadHandler):
    """StoringUploadHandler for one visit's upload to ``file_request``; ``by_uploader``
    and ``by_all`` are the (bytes, files) handed in before, by this visit and by everyone."""

    def __init__(
        self,
        *,
        file_request: FileRequest,
        uploader: str,
        by_uploader: tuple[int, int],
        by_all: tuple[int, int],
    ) -> None:
        super().__init__(owner=file_request.owner, field_name=FIELD)
        self.file_request = file_request
        self.uploader = uploader
        self.by_uploader = by_uploader
        self.by_all = by_all

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        if field_name != self.field_name or self.file_request.extension_allowed(file_name):
            super().new_file(field_name, file_name, *args, **kwargs)
        else:
            refusal = InvalidFileName(self.file_request.extension_refusal())
            self.current = Upload.refused_at_once(file_name, refusal)
            self.uploads.append(self.current)

    def upload_begin(self, file_name: str) -> Upload:
        return submission_file_begin(
            file_request=self.file_request, uploader=self.uploader, sent_name=file_name
        )

    def _refusal(self, size: int) -> Refusal | None:
        earlier, count = self._earlier()
        text = self.file_request.hand_in_refusal(
            size=size,
            by_uploader=(self.by_uploader[0] + earlier, self.by_uploader[1] + count),
            by_all=(self.by_all[0] + earlier, self.by_all[1] + count),
        )
        return Refusal("too_large", text) if text is not None else super()._refusal(size)

    def _earlier(self) -> tuple[int, int]:
        """(bytes, files) of this request's files that came in whole before the current one."""
        done = [u for u in self.uploads if u is not self.current and u.state is UploadState.COMPLETE]
        return sum(u.size for u in done), len(done)
