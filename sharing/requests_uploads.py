"""The upload side of a file request: the project's streaming upload handler, storing
into the request owner's space under ``<title> - <uploader> - <file>``, with the
request's own rules (allowed extensions, bytes per uploader) before the owner's tier."""

from __future__ import annotations

from typing import Any

from account.models import Refusal, megabytes
from sharing.models import FileRequest
from sharing.requests_services import submission_file_begin
from upload_center.errors import InvalidFileName, QuotaRefused, UploadError
from upload_center.handlers import StoringUploadHandler
from upload_center.uploads import Upload, UploadState

FIELD = "file"


def extension_refusal_text(file_request: FileRequest) -> str:
    allowed = ", ".join(f".{ext}" for ext in file_request.extension_list)
    return f"This request accepts only these kinds of files: {allowed}."


def size_limit_text(file_request: FileRequest) -> str:
    return f"You can hand in at most {megabytes(file_request.size_limit or 0)} Megabytes to this request!"


# The contract's "You don't have enough space..." would read as the student's own
# space being full: it is the owner's, and only the owner can free it.
OWNER_SPACE_FULL = "This request cannot take this file: its owner's space is full. Let them know."


def uploader_refusal_text(error: UploadError) -> str:
    """A refusal as the person handing in reads it."""
    if isinstance(error, QuotaRefused) and error.refusal.kind == "no_space":
        return OWNER_SPACE_FULL
    return str(error)


class SubmissionUploadHandler(StoringUploadHandler):
    """StoringUploadHandler for one visit's upload to ``file_request``; ``handed_in``
    is what the visit stored before, counted against the request's size limit."""

    def __init__(self, *, file_request: FileRequest, uploader: str, handed_in: int) -> None:
        super().__init__(owner=file_request.owner, field_name=FIELD)
        self.file_request = file_request
        self.uploader = uploader
        self.handed_in = handed_in

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        if field_name != self.field_name or self.file_request.extension_allowed(file_name):
            super().new_file(field_name, file_name, *args, **kwargs)
        else:
            refusal = InvalidFileName(extension_refusal_text(self.file_request))
            self.current = Upload.refused_at_once(file_name, refusal)
            self.uploads.append(self.current)

    def upload_begin(self, file_name: str) -> Upload:
        return submission_file_begin(
            file_request=self.file_request, uploader=self.uploader, sent_name=file_name
        )

    def _refusal(self, size: int) -> Refusal | None:
        limit = self.file_request.size_limit
        if limit is not None and self.handed_in + self._earlier_bytes() + size > limit:
            return Refusal("too_large", size_limit_text(self.file_request))
        return super()._refusal(size)

    def _earlier_bytes(self) -> int:
        """Bytes of this request's files that came in whole before the current one."""
        done = (u for u in self.uploads if u is not self.current and u.state is UploadState.COMPLETE)
        return sum(u.size for u in done)
