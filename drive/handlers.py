"""The API side of the drive's upload: the upload center's handler with progress
events, and the checks of the request's shape before and after its body."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from account.models import User
from config.tuning import BODY_READ, DISCARD_MAX
from drive import services
from drive.errors import BadRequest, RefusedEarly
from upload_center.handlers import StoringUploadHandler, upload_precheck, uploads_receive
from upload_center.services import uploads_discard
from upload_center.storage import PartCallback
from upload_center.uploads import Upload

FILE_FIELD = "file"
# An upload refused from its Content-Length alone has its body read and thrown
# away up to this size, so that the client, still sending, gets the answer
# instead of a reset connection; a larger body is cut off (Connection: close).


def multipart_file_size(
    *, content_length: int, boundary: bytes, field_name: str, file_name: str, content_type: str | None
) -> int:
    """The size of the one file of a multipart body, from the body's length.

    The framing is rebuilt the way browsers and HTTP libraries write it
    (``--B``, Content-Disposition, Content-Type, blank line, data, ``--B--``);
    it is only known exactly once the last byte is in, so this is the
    ``total_size`` of progress events, not a limit.
    """
    disposition = f'Content-Disposition: form-data; name="{field_name}"; filename="{file_name}"\r\n'
    framing = len(b"--" + boundary + b"\r\n") + len(disposition.encode())
    if content_type:
        framing += len(f"Content-Type: {content_type}\r\n".encode())
    framing += len(b"\r\n") + len(b"\r\n--" + boundary + b"--\r\n")
    return max(content_length - framing, 0)


class DriveUploadHandler(StoringUploadHandler):
    """Stores the file of field ``file`` and sends UPLOAD_PROGRESS after each stored part,
    with the file's expected size as its total."""

    content_length = 0
    boundary = b""
    expected_size = 0

    def __init__(self, *, owner: User, upload_id: str) -> None:
        super().__init__(owner=owner, field_name=FILE_FIELD)
        self.upload_id = upload_id

    # django-stubs types boundary as str; the multipart parser passes the bytes it splits the body on.
    def handle_raw_input(  # type: ignore[override]
        self, input_data: Any, META: Any, content_length: int, boundary: bytes, encoding: str | None = None
    ) -> None:
        self.content_length = content_length
        self.boundary = boundary
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        content_type = args[0] if args else kwargs.get("content_type")
        self.expected_size = multipart_file_size(
            content_length=self.content_length,
            boundary=self.boundary,
            field_name=field_name,
            file_name=file_name,
            content_type=content_type,
        )
        super().new_file(field_name, file_name, *args, **kwargs)

    def part_callback(self) -> PartCallback:
        def progress(stored: int) -> None:
            services.upload_progress_send(
                owner_id=self.owner.pk,
                upload_id=self.upload_id,
                total_size=self.expected_size,
                uploaded_size=stored,
            )

        return progress

    def file_complete(self, file_size: int) -> None:
        # Known exactly now, before the sink reports its last part: the last
        # progress event carries the file's size as its total, whatever framing
        # (or a chunked body without a length) made the estimate miss.
        self.expected_size = file_size
        super().file_complete(file_size)


def upload_receive(request: Request, *, owner: User, upload_id: str) -> Upload:
    """Store the one file of ``request``'s body while it arrives (not yet settled).

    Raises RefusedEarly when the body's length alone is over the tier's rule, and
    BadRequest for a body without exactly one file (dropping what it stored).
    """
    content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    refusal = upload_precheck(owner=owner, content_length=content_length)
    if refusal is not None:
        read = _body_discard(request, content_length)
        raise RefusedEarly(refusal, close_connection=not read)
    uploads = uploads_receive(request, DriveUploadHandler(owner=owner, upload_id=upload_id))
    if len(uploads) == 1:
        return uploads[0]
    uploads_discard(uploads)
    if not uploads:
        raise BadRequest(f"No file was sent in the field {FILE_FIELD}.")
    raise BadRequest("Send one file per request.")


def _body_discard(request: Request, content_length: int) -> bool:
    """Read the body without storing it, if it is small enough; True when read."""
    if content_length > DISCARD_MAX:
        return False
    stream = request.stream
    while stream is not None and stream.read(BODY_READ):
        pass
    return True
