"""Where a resumable upload's bytes wait, written once, until the upload ends.

- On disk: appended to the pending index row's hidden partial file in the owner's
  folder (``StoredFile.partial_key``), renamed to the file's key when complete.
- On S3: parts of ``UPLOAD_PART_SIZE`` of a multipart upload at the file's key,
  begun at creation. A PATCH that ends between two part boundaries leaves its last
  bytes in a tail object (``.tus/<id>/tail-<parts sent>``, in S3, never on a web
  process's disk); the next PATCH, in any process, reads it back into the part it
  fills. Tail names change with the number of parts, so a tail of the state the
  database holds is never overwritten by one it does not hold yet.

An ``Appender`` takes one PATCH's bytes. Its ``state`` is what may be recorded
(offset, parts, tail size); bytes past the recorded state are ignored by the next
PATCH (disk: cut off; S3: parts sent again under their numbers, the tail unused).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from tus.errors import StorageFailed
from tus.models import TusUpload
from upload_center.storage import is_s3, s3_bucket, s3_client, storage_prepare, storage_read
from upload_center.storage.local import IOV_MAX

# Top-level hidden prefix: reconcile_storage and cleanup_uploads never look inside it.
TAIL_PREFIX = ".tus"
State = dict[str, Any]


@contextlib.contextmanager
def storage_errors() -> Any:
    """Disk and S3 failures become one domain error (503), the cause kept for the logs."""
    try:
        yield
    except (OSError, BotoCoreError, ClientError) as e:
        raise StorageFailed("Storage is unavailable, nothing was stored; please try again.") from e


class Appender(Protocol):
    written: int

    def write(self, batch: list[bytes]) -> None: ...
    def checkpoint(self) -> State | None:
        """What is safely stored beyond the recorded state, if anything."""

    def keep(self, *, final: bool) -> State: ...
    def drop(self) -> None: ...
    def tidy(self, recorded: State) -> None: ...


def _partial_path(upload: TusUpload) -> Path:
    return Path(default_storage.path(upload.file.partial_key))


class DiskAppender:
    """Appends to the partial file at the recorded offset; what a dead PATCH wrote past
    it is cut off first."""

    def __init__(self, upload: TusUpload) -> None:
        self._start = self._checkpointed = upload.offset
        self.written = 0
        self._fd = os.open(_partial_path(upload), os.O_WRONLY)
        os.ftruncate(self._fd, upload.offset)
        os.lseek(self._fd, upload.offset, os.SEEK_SET)

    def write(self, batch: list[bytes]) -> None:
        views = [memoryview(chunk) for chunk in batch]
        while views:
            written = os.writev(self._fd, views[:IOV_MAX])
            self.written += written
            # Drop what was written; a short write leaves part of one chunk.
            while views and written >= len(views[0]):
                written -= len(views.pop(0))
            if written:
                views[0] = views[0][written:]

    def checkpoint(self) -> State | None:
        offset = self._start + self.written
        if offset == self._checkpointed:
            return None
        self._checkpointed = offset
        return {"offset": offset}

    def keep(self, *, final: bool) -> State:
        os.close(self._fd)
        return {"offset": self._start + self.written}

    def drop(self) -> None:
        # Nothing is cut here: the lease may be lost, and the next PATCH cuts the file
        # back to the recorded offset anyway.
        os.close(self._fd)

    def tidy(self, recorded: State) -> None:
        """Nothing to remove on disk."""


def _tail_key(upload_id: str, parts: int) -> str:
    return f"{TAIL_PREFIX}/{upload_id}/tail-{parts}"


class S3Appender:
    """Fills parts of ``UPLOAD_PART_SIZE`` (the recorded tail first) and sends each when
    full; what is left at the end of the PATCH goes to a tail object."""

    def __init__(self, upload: TusUpload) -> None:
        self._client = s3_client()
        self._bucket = s3_bucket()
        self._upload = upload
        self._part_size: int = settings.UPLOAD_PART_SIZE
        self._parts: list[dict[str, Any]] = list(upload.parts)
        self._checkpointed = len(self._parts)
        self.written = 0
        self._buffer = bytearray()
        if upload.tail_size:
            tail = self._client.get_object(
                Bucket=self._bucket,
                Key=_tail_key(upload.pk, len(self._parts)),
                Range=f"bytes=0-{upload.tail_size - 1}",
            )["Body"]
            with contextlib.closing(tail):
                self._buffer += tail.read()
            assert len(self._buffer) == upload.tail_size, "the tail object lost bytes"

    def write(self, batch: list[bytes]) -> None:
        for chunk in batch:
            view = memoryview(chunk)
            while view:
                room = self._part_size - len(self._buffer)
                self._buffer += view[:room]
                view = view[room:]
                if len(self._buffer) == self._part_size:
                    self._part_send()
            self.written += len(chunk)

    def _part_send(self) -> None:
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._upload.file.storage_key,
            UploadId=self._upload.file.s3_upload_id,
            PartNumber=number,
            Body=self._buffer,  # sent as it is: a copy would cost a part's memory again
            ChecksumAlgorithm="CRC32",
        )
        self._parts.append(
            {
                "PartNumber": number,
                "ETag": response["ETag"],
                "ChecksumCRC32": response["ChecksumCRC32"],
                "Size": len(self._buffer),
            }
        )
        self._buffer = bytearray()

    def _state(self, tail_size: int) -> State:
        size = sum(int(part["Size"]) for part in self._parts)
        return {"offset": size + tail_size, "parts": list(self._parts), "tail_size": tail_size}

    def checkpoint(self) -> State | None:
        if len(self._parts) == self._checkpointed:
            return None
        self._checkpointed = len(self._parts)
        # The bytes in the buffer are not in S3 yet: the recorded offset stops at the parts.
        return self._state(0)

    def keep(self, *, final: bool) -> State:
        if final:
            if self._buffer or not self._parts:
                self._part_send()  # the last part may be short
            return self._state(0)
        if self._buffer:
            self._client.put_object(
                Bucket=self._bucket,
                Key=_tail_key(self._upload.pk, len(self._parts)),
                Body=self._buffer,
            )
        return self._state(len(self._buffer))

    def drop(self) -> None:
        self._buffer = bytearray()

    def tidy(self, recorded: State) -> None:
        """Remove the tail the upload began with once the recorded state no longer uses it."""
        before = self._upload
        if before.tail_size and (
            not recorded.get("tail_size") or len(recorded.get("parts", before.parts)) != len(before.parts)
        ):
            self._client.delete_object(Bucket=self._bucket, Key=_tail_key(before.pk, len(before.parts)))


def appender_open(upload: TusUpload) -> Appender:
    with storage_errors():
        return S3Appender(upload) if is_s3() else DiskAppender(upload)


def bytes_begin(upload: TusUpload) -> None:
    """Make the upload's own place: an empty partial file, or a multipart upload at the key."""
    row = upload.file
    with storage_errors():
        if not is_s3():
            path = _partial_path(upload)
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: the name is this upload's alone.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return
        row.s3_upload_id = _multipart_create(row.storage_key)
        row.save(update_fields=["s3_upload_id"])


def _multipart_create(key: str) -> str:
    client = s3_client()

    def create() -> str:
        response = client.create_multipart_upload(Bucket=s3_bucket(), Key=key, ChecksumAlgorithm="CRC32")
        return str(response["UploadId"])

    try:
        return create()
    except ClientError as e:
        # A fresh S3 without its bucket yet: make it, as the first store of /fm/ does.
        if e.response["Error"]["Code"] != "NoSuchBucket":
            raise
    storage_prepare()
    return create()


def bytes_to_key(upload: TusUpload) -> None:
    """Put the complete upload's bytes at the file's key, without copying them."""
    row = upload.file
    with storage_errors():
        if not is_s3():
            os.replace(_partial_path(upload), default_storage.path(row.storage_key))
            return
        parts = [{k: v for k, v in part.items() if k != "Size"} for part in upload.parts]
        s3_client().complete_multipart_upload(
            Bucket=s3_bucket(),
            Key=row.storage_key,
            UploadId=row.s3_upload_id,
            MultipartUpload={"Parts": parts},
        )


def sha256_read(upload: TusUpload) -> str:
    """The SHA-256 of the stored file, read back: for uploads whose PATCHes went to
    several processes (no process saw every byte)."""
    digest = hashlib.sha256()
    with storage_errors():
        for chunk in storage_read(upload.file.storage_key):
            digest.update(chunk)
    return digest.hexdigest()


def bytes_discard(upload: TusUpload) -> None:
    """Remove everything of an unfinished upload: partial file or multipart upload, tails,
    and bytes that reached the key before the row was marked stored (the pending row
    still reserves that name, so they can be no other file's)."""
    row = upload.file
    if not is_s3():
        _partial_path(upload).unlink(missing_ok=True)
        default_storage.delete(row.storage_key)
        return
    client = s3_client()
    if row.s3_upload_id:
        with contextlib.suppress(client.exceptions.NoSuchUpload):
            client.abort_multipart_upload(Bucket=s3_bucket(), Key=row.storage_key, UploadId=row.s3_upload_id)
    client.delete_object(Bucket=s3_bucket(), Key=row.storage_key)
    tails_delete(upload)


def tails_delete(upload: TusUpload) -> None:
    """The upload's tail objects (a stale one may be left by a PATCH that died)."""
    if is_s3():
        client = s3_client()
        listing = client.list_objects_v2(Bucket=s3_bucket(), Prefix=f"{TAIL_PREFIX}/{upload.pk}/")
        for item in listing.get("Contents", []):
            client.delete_object(Bucket=s3_bucket(), Key=item["Key"])
