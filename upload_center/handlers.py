"""The API side of an upload: a Django upload handler that stores each file while
the request body arrives, and the refusal a body's length alone decides."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.request import Request

from account.models import Refusal, User
from upload_center import services
from upload_center.errors import InvalidFileName
from upload_center.names import name_check
from upload_center.storage import PartCallback
from upload_center.uploads import Upload

# The multipart framing around one file in a request body is at most this
# (boundary lines, part headers with a long file name), so a body longer than a
# limit by more than this cannot carry one file within that limit.
MULTIPART_FRAMING_MAX = 64 * 1024


def upload_precheck(*, owner: User, content_length: int) -> Refusal | None:
    """The refusal a request carrying one file certainly gets, judged from its
    ``Content-Length`` before any byte is read; None when only the bytes can tell."""
    return owner.upload_refusal(content_length - MULTIPART_FRAMING_MAX)


class StoringUploadHandler(FileUploadHandler):
    """Writes the files of one form field to storage as they stream in.

    Every chunk is written once, to the upload's own key (see
    ``storage.storage_sink``), and into the file's SHA-256; a file is refused as
    soon as the tier's rule (``User.upload_refusal``) refuses the bytes so far,
    and the rest of its bytes are skipped. Nothing is charged here:
    ``services.files_settle`` does that at the end.
    """

    def __init__(self, *, owner: User, field_name: str) -> None:
        super().__init__()
        self.owner = owner
        self.field_name = field_name
        self.uploads: list[Upload] = []
        self.current: Upload | None = None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.current = None
        if field_name != self.field_name:
            return
        try:
            name_check(file_name)
        except InvalidFileName as e:
            self.current = Upload.refused_at_once(file_name, e)
        else:
            self.current = self.upload_begin(file_name)
        self.uploads.append(self.current)

    def upload_begin(self, file_name: str) -> Upload:
        """The pending upload of a file named ``file_name`` (already checked) in the owner's space."""
        return services.file_begin(owner=self.owner, name=file_name, on_part=self.part_callback())

    def part_callback(self) -> PartCallback | None:
        """What runs after each stored part of the current file (nothing here)."""
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        upload = self.current
        if upload is None or not upload.receiving:
            return None
        refusal = self._refusal(upload.size + len(raw_data))
        if refusal is not None:
            upload.refuse(refusal)
        else:
            upload.write(raw_data)
        return None

    def _refusal(self, size: int) -> Refusal | None:
        refusal = self.owner.upload_refusal(size)
        if refusal is None or refusal.kind != "no_space":
            return refusal
        # Space may have been freed by a delete since the request began.
        self.owner.refresh_from_db(fields=["used_storage", "reserved_storage"])
        return self.owner.upload_refusal(size)

    def file_complete(self, file_size: int) -> None:
        if self.current is not None and self.current.receiving:
            self.current.finish()
        self.current = None
        return None

    def upload_interrupted(self) -> None:
        services.uploads_discard(self.uploads)
        self.current = None


def uploads_receive(request: Request, handler: StoringUploadHandler) -> list[Upload]:
    """Parse a request's multipart body through ``handler``; on any failure
    (client gone, server error) every file of the request is dropped."""
    # Set on DRF's request, which parsers are given (Django's own would be used by
    # nothing: DRF parses the body, not Django).
    request.upload_handlers = [handler]
    try:
        request.data  # noqa: B018 - parsing the body is what stores the files
    except BaseException:
        services.uploads_discard(handler.uploads)
        raise
    return handler.uploads
