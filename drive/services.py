"""The drive's upload: the upload center's storing path, with WebSocket events."""

from __future__ import annotations

from account.models import User
from config.events import user_event_send
from upload_center import services
from upload_center.models import StoredFile
from upload_center.uploads import Upload


def upload_progress_send(*, owner_id: int, upload_id: str, total_size: int, uploaded_size: int) -> None:
    """UPLOAD_PROGRESS to the owner's WebSockets, after each stored part."""
    event = {
        "kind": "UPLOAD_PROGRESS",
        "upload_id": upload_id,
        "total_size": max(total_size, uploaded_size),
        "uploaded_size": uploaded_size,
    }
    user_event_send(user_id=owner_id, event=event)


def file_settle(*, owner: User, upload: Upload, upload_id: str) -> StoredFile:
    """Store the one received file of a request, then send UPLOAD_FINISH.

    Raises the upload's refusal (QuotaRefused, InvalidFileName, UploadCutOff) or
    NothingToStore for an empty file; then nothing of it stays and no quota is charged.
    """
    services.uploads_nonempty_check([upload])
    services.files_settle(owner_id=owner.pk, uploads=[upload])
    if upload.error is not None:
        raise upload.error
    assert upload.row is not None
    user_event_send(user_id=owner.pk, event={"kind": "UPLOAD_FINISH", "upload_id": upload_id})
    return upload.row
