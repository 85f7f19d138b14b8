"""Resumable uploads: creation with a quota reservation, appends, completion into the
file index, termination and expiry (CONTRACT section 6)."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import RequestAborted
from django.db import transaction
from django.http import UnreadablePostError
from django.utils import timezone

from account.models import User
from account.services import reservation_charge, space_release, space_reserve
from config.events import user_event_send
from tus import store
from tus.digests import BATCH, Digests
from tus.errors import BadRequest, OffsetConflict, Refused, UploadNotFound
from tus.headers import Checksum
from tus.leases import Lease, upload_take
from tus.models import TusUpload, expiry_from
from upload_center import services as upload_center_services
from upload_center.errors import InvalidFileName
from upload_center.models import StoredFile
from upload_center.names import name_check, name_from_client

logger = logging.getLogger(__name__)

# SHA-256 of each upload's bytes so far, in the process that took its last PATCH
# (hash objects cannot be stored in the database). An upload whose next PATCH goes to
# another process is hashed by reading its file back once complete.
_HASHERS: OrderedDict[str, tuple[int, Any]] = OrderedDict()
_HASHERS_KEPT = 1024


def upload_name(metadata: dict[str, str]) -> str:
    """The file's name from ``Upload-Metadata``, checked as every API checks names."""
    try:
        return name_check(name_from_client(metadata.get("filename", "")) or "")
    except InvalidFileName as e:
        raise BadRequest(str(e)) from e


def upload_create(*, owner: User, length: int, metadata: dict[str, str]) -> TusUpload:
    return upload_begin(
        owner=owner, name=upload_name(metadata), length=length, filetype=metadata.get("filetype", "")
    )


def upload_begin(
    *, owner: User, name: str, length: int, filetype: str = "", private: bool = False, sent_name: str = ""
) -> TusUpload:
    """Reserve ``length`` bytes of quota, reserve ``name`` (checked) and open the upload's
    own place in storage; ``private``: see upload_center.services.file_row_reserve.
    ``sent_name``: the name to show its sender when it differs from ``name``."""
    if length == 0:
        raise BadRequest(f"Empty files can't be uploaded: {sent_name or name}.")
    refusal = space_reserve(owner_id=owner.pk, size=length)
    if refusal is not None:
        raise Refused(refusal.text, refusal=refusal)
    row: StoredFile | None = None
    try:
        row = upload_center_services.file_row_reserve(owner=owner, name=name, private=private)
        upload = TusUpload(
            owner=owner,
            file=row,
            length=length,
            filename=name,
            filetype=filetype[:255],
            reserved=length,
            expires_at=expiry_from(timezone.now()),
        )
        store.bytes_begin(upload)
        upload.save(force_insert=True)
    except BaseException:
        space_release(owner_id=owner.pk, size=length)
        if row is not None:
            row.delete()
        raise
    return upload


def upload_find(*, owner: User, upload_id: str) -> TusUpload:
    upload = TusUpload.objects.live().filter(pk=upload_id, owner=owner).first()
    if upload is None:
        raise UploadNotFound("This upload does not exist or has expired.")
    return upload


def upload_append(
    *, owner: User, upload_id: str, offset: int, body: Iterable[bytes], checksum: Checksum | None
) -> TusUpload:
    """Append one PATCH's body at ``offset``; the file is stored when its last byte is in.

    A body cut off by the client keeps the bytes that reached storage (without a
    checksum: with one, nothing of it counts), so the client resumes after them."""
    upload, lease = upload_take(owner_id=owner.pk, upload_id=upload_id, offset=offset)
    try:
        state, cut = _body_store(upload, lease, body, checksum)
        for name, value in state.items():
            setattr(upload, name, value)
        if upload.offset == upload.length:
            _upload_finish(upload, lease)
    except BaseException:
        lease.release()
        _HASHERS.pop(upload.pk, None)
        raise
    if not upload.finished:
        lease.release()
    if not cut:
        _progress_send(upload)
    # After a cut the answer reaches no one; the client asks for the offset (HEAD).
    return upload


def _body_store(
    upload: TusUpload, lease: Lease, body: Iterable[bytes], checksum: Checksum | None
) -> tuple[dict[str, Any], bool]:
    """Write the body through the upload's appender; the state to record, and whether
    the client went away."""
    hasher = _hasher_resume(upload)
    appender = store.appender_open(upload)
    try:
        left, cut = _chunks_write(upload, lease, body, appender, (hasher, checksum))
        if checksum is not None and cut:
            raise BadRequest("The body was cut off: with Upload-Checksum, nothing of it counts.")
        if checksum is not None:
            checksum.verify()
    except BaseException:
        appender.drop()
        raise
    with store.storage_errors():
        state = appender.keep(final=left == 0)
        # The last PATCH's state is recorded by _upload_finish, with the file stored: a
        # client must never see the whole length while the file is not stored yet.
        if left:
            lease.save(state, release=True)
            appender.tidy(state)
    _hasher_keep(upload.pk, state["offset"], hasher)
    return state, cut


class _Batches:
    """The body's chunks in lists of about ``BATCH`` bytes (the last one what arrived
    before the end or a cut); ``cut`` says whether the client went away."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self.cut = False

    def __iter__(self) -> Iterator[list[bytes]]:
        batch: list[bytes] = []
        size = 0
        try:
            for chunk in self._body:
                batch.append(chunk)
                size += len(chunk)
                if size >= BATCH:
                    yield batch
                    batch, size = [], 0
        except (RequestAborted, UnreadablePostError):
            self.cut = True
        if batch:
            yield batch


def _chunks_write(
    upload: TusUpload, lease: Lease, body: Iterable[bytes], appender: store.Appender, digests: tuple[Any, ...]
) -> tuple[int, bool]:
    """Append the body, hashed beside the writing; (bytes the upload still lacks, whether
    the client went away before sending them)."""
    left = upload.length - upload.offset
    batches = _Batches(body)
    hashing = Digests(digests)
    try:
        with store.storage_errors():
            for batch in batches:
                size = sum(map(len, batch))
                if size > left:
                    raise BadRequest("The body goes past the upload's Upload-Length.")
                # Renewed before writing (see tus.leases), with what is safely stored so
                # far (a HEAD sees progress; with a checksum nothing counts before the end).
                if lease.due():
                    lease.save((appender.checkpoint() if digests[1] is None else None) or {})
                hashing.feed(batch)
                appender.write(batch)
                left -= size
    finally:
        hashing.close()
    # Every byte may have arrived before the connection closed: then nothing was cut.
    return left, batches.cut and left > 0


def _hasher_resume(upload: TusUpload) -> Any:
    """A copy of this process's SHA-256 of the upload's bytes so far, if it saw them all."""
    if upload.offset == 0:
        return hashlib.sha256()
    cached = _HASHERS.get(upload.pk)
    return cached[1].copy() if cached and cached[0] == upload.offset else None


def _hasher_keep(upload_id: str, offset: int, hasher: Any) -> None:
    _HASHERS.pop(upload_id, None)
    if hasher is not None:
        _HASHERS[upload_id] = (offset, hasher)
        while len(_HASHERS) > _HASHERS_KEPT:
            _HASHERS.popitem(last=False)


def _upload_finish(upload: TusUpload, lease: Lease) -> None:
    """Store the complete file as /fm/upload/ does: bytes at the file's key, then, in one
    transaction, the row stored with its hash and the reservation turned into used space."""
    cached = _HASHERS.pop(upload.pk, None)
    store.bytes_to_key(upload)
    sha256 = cached[1].hexdigest() if cached and cached[0] == upload.length else store.sha256_read(upload)
    with transaction.atomic():
        StoredFile.objects.filter(pk=upload.file_id, state=StoredFile.State.PENDING).update(
            size=upload.length, sha256=sha256, state=StoredFile.State.STORED, created_at=timezone.now()
        )
        reservation_charge(owner_id=upload.owner_id, reserved=upload.reserved, size=upload.length)
        lease.release({**upload.state_fields(), "finished": True, "reserved": 0})
    upload.finished, upload.reserved = True, 0
    try:
        store.tails_delete(upload)
    except Exception:
        logger.exception("could not remove the tail objects of tus upload %s", upload.pk)


def _progress_send(upload: TusUpload) -> None:
    events = [{"kind": "UPLOAD_PROGRESS", "total_size": upload.length, "uploaded_size": upload.offset}]
    if upload.finished:
        events.append({"kind": "UPLOAD_FINISH"})
    for event in events:
        user_event_send(user_id=upload.owner_id, event={**event, "upload_id": upload.pk})


def upload_terminate(*, owner: User, upload_id: str) -> None:
    """Remove an upload: its bytes and its reservation (a finished one: only its record)."""
    upload, _ = upload_take(owner_id=owner.pk, upload_id=upload_id)
    _upload_remove(upload)


def _upload_remove(upload: TusUpload) -> None:
    if upload.finished:
        upload.delete()
        return
    store.bytes_discard(upload)
    with transaction.atomic():
        # Deleting the pending row deletes the upload's row with it (CASCADE).
        StoredFile.objects.filter(pk=upload.file_id, state=StoredFile.State.PENDING).delete()
        space_release(owner_id=upload.owner_id, size=upload.reserved)


def uploads_expire(*, now: datetime | None = None) -> list[str]:
    """Remove every expired upload that no request holds; the names of the files they were for."""
    now = now or timezone.now()
    removed: list[str] = []
    for upload_id, owner_id in TusUpload.objects.expired(now=now).values_list("pk", "owner_id"):
        try:
            upload, _ = upload_take(owner_id=owner_id, upload_id=upload_id, expired_too=True)
        except (UploadNotFound, OffsetConflict):
            continue  # gone meanwhile, or a PATCH holds it (and renews it)
        _upload_remove(upload)
        removed.append(upload.file.storage_key)
        logger.info("removed the expired tus upload %s (%s)", upload_id, upload.file.storage_key)
    return removed
