"""A Django upload handler that stores each file while the request body arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

from account.models import NOT_ENOUGH_SPACE, User
from upload_center import services
from upload_center.errors import InvalidFileName
from upload_center.names import name_check
from upload_center.services import Upload

ProgressCallback = Callable[[Upload, int], None]

# The multipart framing around one file in a request body is at most this
# (boundary lines, part headers with a long file name), so a body longer than a
# limit by more than this cannot carry one file within that limit.
MULTIPART_FRAMING_MAX = 64 * 1024


def upload_precheck(*, owner: User, content_length: int) -> str | None:
    """The refusal a request carrying one file certainly gets, judged from its
    ``Content-Length`` before any byte is read; None when only the bytes can tell."""
    smallest_file = content_length - MULTIPART_FRAMING_MAX
    if smallest_file > owner.account.max_file_transfer:
        return owner.account.limit_message()
    if smallest_file > owner.storage_left:
        return NOT_ENOUGH_SPACE
    return None


class StoringUploadHandler(FileUploadHandler):
    """Writes the files of one form field to storage as they stream in.

    Every chunk is written once, to the upload's own key (see
    ``storage.storage_sink``), and into the file's SHA-256; a file is refused as soon as it passes the tier's
    file limit or the space left, and the rest of its bytes are skipped.
    Nothing is charged here: ``services.files_settle`` does that at the end.
    """

    def __init__(
        self, request: HttpRequest, *, owner: User, field_name: str, on_part: ProgressCallback | None = None
    ) -> None:
        super().__init__(request)
        self.owner = owner
        self.field_name = field_name
        self.on_part = on_part
        self.uploads: list[Upload] = []
        self.current: Upload | None = None
        self._space_left = owner.storage_left

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.current = None
        if field_name != self.field_name:
            return
        try:
            name_check(file_name)
        except InvalidFileName as e:
            self.current = Upload(sent_name=file_name, error=str(e))
        else:
            on_part = None
            if self.on_part is not None:
                callback = self.on_part

                def on_part(stored: int) -> None:
                    assert self.current is not None
                    callback(self.current, stored)

            self.current = services.file_begin(owner=self.owner, name=file_name, on_part=on_part)
        self.uploads.append(self.current)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        upload = self.current
        if upload is None or not upload.ok:
            return None
        size = upload.size + len(raw_data)
        if size > self.owner.account.max_file_transfer:
            services.file_refuse(upload, self.owner.account.limit_message())
        elif size > self._space_left and size > self._fresh_space_left():
            services.file_refuse(upload, NOT_ENOUGH_SPACE)
        else:
            upload.write(raw_data)
        return None

    def _fresh_space_left(self) -> int:
        # Space may have been freed by a delete since the request began.
        self.owner.refresh_from_db(fields=["used_storage"])
        self._space_left = self.owner.storage_left
        return self._space_left

    def file_complete(self, file_size: int) -> None:
        if self.current is not None and self.current.ok:
            services.file_finish(self.current)
        self.current = None
        return None

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self) -> None:
        """Drop every file of this request, finished or not."""
        services.uploads_discard(self.uploads)
        self.current = None


def uploads_receive(request: Any, handler: StoringUploadHandler) -> list[Upload]:
    """Parse a DRF request's multipart body through ``handler``; on any failure
    (client gone, server error) every file of the request is dropped."""
    request._request.upload_handlers = [handler]
    try:
        request.data  # noqa: B018 - parsing the body is what stores the files
    except BaseException:
        handler.discard()
        raise
    return handler.uploads
