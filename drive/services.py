"""The drive's upload: the upload center's storing path, with WebSocket events."""

from __future__ import annotations

from rest_framework.request import Request

from account.events import user_event_send
from account.models import NOT_ENOUGH_SPACE, User
from drive.errors import BadRequest, TooLarge
from drive.handlers import DriveUploadHandler
from upload_center import services
from upload_center.handlers import upload_precheck, uploads_receive
from upload_center.models import StoredFile
from upload_center.services import Upload

FILE_FIELD = "file"
# An upload refused from its Content-Length alone has its body read and thrown
# away up to this size, so that the client, still sending, gets the answer
# instead of a reset connection; a larger body is cut off (Connection: close).
DISCARD_MAX = 64 * 1024 * 1024
DISCARD_CHUNK = 1024 * 1024


def file_upload(*, request: Request, owner: User, upload_id: str) -> StoredFile:
    """Store the one file of ``request`` for ``owner``, sending UPLOAD_PROGRESS
    after each stored part and UPLOAD_FINISH once it is stored.

    Raises TooLarge (tier limit, space left) or BadRequest; on any failure
    nothing of the file stays and no quota is charged.
    """
    content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    refusal = upload_precheck(owner=owner, content_length=content_length)
    if refusal is not None:
        unread = not _body_discard(request, content_length)
        raise TooLarge(refusal, close_connection=unread)

    def progress(upload: Upload, stored: int) -> None:
        event = {
            "kind": "UPLOAD_PROGRESS",
            "upload_id": upload_id,
            "total_size": max(handler.expected_size, stored),
            "uploaded_size": stored,
        }
        user_event_send(user_id=owner.pk, event=event)

    handler = DriveUploadHandler(request._request, owner=owner, field_name=FILE_FIELD, on_part=progress)
    uploads = uploads_receive(request, handler)
    _uploads_check(handler, uploads)
    upload = uploads[0]
    answers = services.files_settle(owner_id=owner.pk, uploads=uploads)
    if upload.row is None:
        raise _refusal(owner, answers[upload.sent_name])
    user_event_send(user_id=owner.pk, event={"kind": "UPLOAD_FINISH", "upload_id": upload_id})
    return upload.row


def _uploads_check(handler: DriveUploadHandler, uploads: list[Upload]) -> None:
    if len(uploads) == 1 and (uploads[0].size > 0 or not uploads[0].ok):
        return
    handler.discard()
    if not uploads:
        raise BadRequest(f"No file was sent in the field {FILE_FIELD}.")
    if len(uploads) > 1:
        raise BadRequest("Send one file per request.")
    raise BadRequest(f"Empty files can't be uploaded: {uploads[0].sent_name}.")


def _refusal(owner: User, message: str) -> BadRequest | TooLarge:
    if message in {NOT_ENOUGH_SPACE, owner.account.limit_message()}:
        return TooLarge(message)
    return BadRequest(message)  # e.g. a file name that could leave the user's folder


def _body_discard(request: Request, content_length: int) -> bool:
    """Read the body without storing it, if it is small enough; True when read."""
    if content_length > DISCARD_MAX:
        return False
    while request._request.read(DISCARD_CHUNK):
        pass
    return True
