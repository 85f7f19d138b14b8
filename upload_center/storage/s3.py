"""Bytes in an S3 bucket, through the client of django-storages' S3 backend."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from upload_center.errors import FileNotFound
from upload_center.storage.base import TEMP_PREFIX, ByteWindow, MultipartUpload
from upload_center.storage.pipeline import Chunk, PartCallback, PipelinedSink

logger = logging.getLogger(__name__)
T = TypeVar("T")


class S3Storage:
    """Owns the bucket's name and one client for the process.

    django-storages keeps a boto3 resource per thread (resources are not thread-safe),
    and each costs its own session, loaders and connection pool: a gthread worker's
    threads held about 25 MiB each (bench/s3_memory.py). boto3's clients are
    thread-safe, so every thread uses the first one's."""

    def __init__(self, files: Any) -> None:
        self._files = files

    @functools.cached_property
    def client(self) -> Any:
        return self._files.connection.meta.client

    @property
    def bucket(self) -> str:
        return str(self._files.bucket_name)

    def sink(
        self,
        key: str,
        *,
        partial_key: str,
        on_part: PartCallback | None,
        on_start: Callable[[str], None] | None,
        part_size: int,
    ) -> S3Sink:
        """``partial_key`` is the disk's: a pending upload's bytes here are its multipart upload."""
        return S3Sink(key, storage=self, on_part=on_part, on_start=on_start, part_size=part_size)

    def read(
        self, key: str, start: int, length: int | None, chunk_size: int
    ) -> Generator[bytes, int | None, None]:
        client = self.client
        extra = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        try:
            body = client.get_object(Bucket=self.bucket, Key=key, **extra)["Body"]
        except client.exceptions.NoSuchKey as e:
            raise FileNotFound(f"{key} is in the index but not in the bucket") from e
        return _s3_chunks(body, chunk_size)

    def open(self, key: str, start: int, length: int) -> ByteWindow:
        if length <= 0:  # S3 has no empty Range
            return ByteWindow(io.BytesIO(), 0, has_fileno=False)
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{start + length - 1}"
            )
        except self.client.exceptions.NoSuchKey as e:
            raise FileNotFound(f"{key} is in the index but not in the bucket") from e
        return ByteWindow(response["Body"], length, has_fileno=False)

    def delete(self, key: str) -> None:
        self._files.delete(key)

    def exists(self, key: str) -> bool:
        return bool(self._files.exists(key))

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def prepare(self) -> None:
        """Create the bucket when it is missing."""
        client = self.client
        try:
            client.head_bucket(Bucket=self.bucket)
        except client.exceptions.ClientError as e:
            if e.response["Error"]["Code"] not in {"404", "NoSuchBucket"}:
                raise
            self._bucket_create()

    def _bucket_create(self) -> None:
        client = self.client
        region = client.meta.region_name
        # us-east-1 is S3's default and refuses to be named as a location.
        located = region not in {None, "us-east-1"}
        where = {"CreateBucketConfiguration": {"LocationConstraint": region}} if located else {}
        try:
            client.create_bucket(Bucket=self.bucket, **where)
        except client.exceptions.ClientError as e:
            # Another process created it first.
            if e.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise

    def bucket_ensured(self, write: Callable[[], T]) -> T:
        """Run a write; where the bucket is missing (a fresh S3), create it and write again."""
        try:
            return write()
        except ClientError as e:
            if e.response["Error"]["Code"] != "NoSuchBucket":
                raise
        logger.warning("bucket %s is missing: creating it", self.bucket)
        self.prepare()
        return write()

    def keys(self) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                if not item["Key"].startswith(TEMP_PREFIX):
                    yield item["Key"]

    def multipart_uploads(self, *, initiated_before: datetime) -> Iterator[MultipartUpload]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < initiated_before:
                    yield MultipartUpload(upload["Key"], upload["UploadId"], upload["Initiated"])

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        client = self.client
        # NoSuchUpload: already completed or aborted (by the upload itself, or a cleanup).
        with contextlib.suppress(client.exceptions.NoSuchUpload):
            client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)


def _s3_chunks(body: Any, chunk_size: int) -> Generator[bytes, int | None, None]:
    with contextlib.closing(body):
        size = chunk_size
        while chunk := body.read(size):
            size = (yield chunk) or chunk_size


class S3Sink(PipelinedSink):
    """Sends each full part of a multipart upload while the body is still arriving,
    two at a time (like boto3's transfer manager, with fewer threads): one S3
    request is mostly waiting, and signing hashes every part again. A third part
    in flight gained no speed here and took the server past 64 MiB of growth."""

    max_in_flight = 2

    def __init__(
        self,
        key: str,
        *,
        storage: S3Storage,
        on_part: PartCallback | None,
        part_size: int,
        on_start: Callable[[str], None] | None,
    ) -> None:
        super().__init__(on_part=on_part, part_size=part_size)
        self.batch_size = part_size
        self.key = key
        self._storage = storage
        # One client for the upload's threads: boto3 clients are thread-safe.
        self._client = storage.client
        self._bucket = storage.bucket
        self._on_start = on_start
        self._parts: dict[int, dict[str, Any]] = {}
        self._spare: list[bytearray] = []
        self.upload_id: str | None = None

    def write(self, data: Chunk) -> None:
        # botocore sends (and hashes) one buffer per part: each chunk is copied
        # into it as it comes and freed at once, not held beside a joined copy.
        # The buffers of sent parts are filled again, so an upload's memory is
        # mapped once (config.memory gives it back when the upload ends).
        if not self._buffer:
            self._buffer.append(self._spare.pop() if self._spare else bytearray())
        part = self._buffer[0]
        assert isinstance(part, bytearray)
        end = self._buffered + len(data)
        part[self._buffered : end] = data  # in place while the reused buffer is long enough
        self._buffered = end
        if self._buffered >= self.batch_size:
            del part[end:]  # what a longer earlier part left; shrinking keeps the allocation
        self._flush_full()

    def _done_with(self, batch: list[Chunk]) -> None:
        (part,) = batch
        assert isinstance(part, bytearray)
        self._spare.append(part)

    def close(self) -> None:
        if not self._batches and not self._buffered:
            # No byte came: there is no multipart upload, and commit writes an empty object.
            self.sha256 = self._hash.hexdigest()
            return
        # A file smaller than one part is a multipart upload of one part too: a single
        # PUT would write the key while the row is pending, and a discard of a PUT could
        # only delete the key, whoever wrote it last.
        if self._buffer:
            part = self._buffer[0]
            assert isinstance(part, bytearray)
            del part[self._buffered :]  # the last part may sit in a longer, reused buffer
        super().close()

    def _begin(self) -> None:
        # CRC32 per part, as boto3's transfer manager sends: S3 checks each
        # part on arrival and again when the upload completes.
        self.upload_id = self._storage.bucket_ensured(
            lambda: self._client.create_multipart_upload(
                Bucket=self._bucket, Key=self.key, ChecksumAlgorithm="CRC32"
            )
        )["UploadId"]
        if self._on_start:
            self._on_start(self.upload_id)

    def _store(self, number: int, batch: list[Chunk]) -> None:
        (body,) = batch
        response = self._client.upload_part(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=body,
            ChecksumAlgorithm="CRC32",
        )
        self._parts[number] = {
            "PartNumber": number,
            "ETag": response["ETag"],
            "ChecksumCRC32": response["ChecksumCRC32"],
        }

    def _finish(self) -> None:
        """Every part is stored; completing the upload is ``commit``'s."""

    def _commit(self) -> None:
        if self.upload_id is None:
            self._storage.bucket_ensured(
                lambda: self._client.put_object(Bucket=self._bucket, Key=self.key, Body=b"")
            )
            return
        parts = [self._parts[number] for number in sorted(self._parts)]
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )

    def _discard(self) -> None:
        # Only this upload's parts: the key itself may hold a file another upload stored.
        if self.upload_id is not None:
            self._storage.multipart_abort(key=self.key, upload_id=self.upload_id)
