"""The one place that knows whether bytes live on local disk or in S3.

Writes go through a sink that puts each chunk in its final place as it comes
(a file opened at its final path, or the parts of an S3 multipart upload), so
nothing is spooled and nothing is copied afterwards. Reads yield chunks from a
byte range, so downloads stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.files.storage import default_storage

READ_CHUNK = 1024 * 1024
PartCallback = Callable[[int], None]


def is_s3() -> bool:
    return bool(settings.S3_BUCKET)


def s3_client() -> Any:
    """The boto3 client of django-storages' S3 backend (same credentials and endpoint)."""
    return default_storage.connection.meta.client  # type: ignore[attr-defined]


def storage_prepare() -> None:
    """Create the upload folder, or the bucket when it is missing."""
    if not is_s3():
        Path(default_storage.location).mkdir(parents=True, exist_ok=True)  # type: ignore[attr-defined]
        return
    client = s3_client()
    try:
        client.head_bucket(Bucket=settings.S3_BUCKET)
    except client.exceptions.ClientError as e:
        if e.response["Error"]["Code"] not in {"404", "NoSuchBucket"}:
            raise
        client.create_bucket(Bucket=settings.S3_BUCKET)


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class LocalSink:
    """Writes at the final path; the index row stays ``pending`` until the quota
    is charged, so a half-written file is never served."""

    def __init__(self, key: str, *, on_part: PartCallback | None, part_size: int) -> None:
        # Storage.path() refuses a key that would leave the upload root.
        self.path = Path(default_storage.path(key))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("wb")
        self._on_part = on_part
        self._part_size = part_size
        self._written = 0

    def write(self, data: bytes) -> None:
        before = self._written
        self._file.write(data)
        self._written += len(data)
        if self._on_part and self._written // self._part_size > before // self._part_size:
            self._on_part(self._written)

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class S3Sink:
    """Sends full parts of a multipart upload while the body is still arriving.

    One part is uploaded in a background thread while the next one fills, so at
    most two parts are in memory and reading the request never waits for S3
    longer than one part takes.
    """

    def __init__(
        self,
        key: str,
        *,
        on_part: PartCallback | None,
        part_size: int,
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        self.key = key
        self._client = s3_client()
        self._bucket = settings.S3_BUCKET
        self._on_part = on_part
        self._on_start = on_start
        self._part_size = part_size
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._in_flight: Future[dict[str, Any]] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._sent = 0
        self.upload_id: str | None = None

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            part = bytes(self._buffer[: self._part_size])
            del self._buffer[: self._part_size]
            self._send(part)

    def _send(self, part: bytes) -> None:
        if self.upload_id is None:
            self.upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=self.key)["UploadId"]
            if self._on_start:
                self._on_start(self.upload_id)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3-part")
        self._collect()
        number = len(self._parts) + 1
        assert self._executor is not None
        self._in_flight = self._executor.submit(self._upload_part, number, part)

    def _upload_part(self, number: int, part: bytes) -> dict[str, Any]:
        response = self._client.upload_part(
            Bucket=self._bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=part
        )
        self._sent += len(part)
        return {"PartNumber": number, "ETag": response["ETag"]}

    def _collect(self) -> None:
        """Wait for the part in flight and report it (in the request's thread, in order)."""
        if self._in_flight is None:
            return
        self._parts.append(self._in_flight.result())
        self._in_flight = None
        if self._on_part:
            self._on_part(self._sent)

    def close(self) -> None:
        if self.upload_id is None:
            # Smaller than one part: a single PUT.
            self._client.put_object(Bucket=self._bucket, Key=self.key, Body=bytes(self._buffer))
            return
        try:
            self._collect()
            if self._buffer:
                # The last part may be short; it is not reported as progress.
                self._parts.append(self._upload_part(len(self._parts) + 1, bytes(self._buffer)))
                self._buffer.clear()
            self._client.complete_multipart_upload(
                Bucket=self._bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self._parts}
            )
        finally:
            self._shutdown()

    def abort(self) -> None:
        self._buffer.clear()
        if self._in_flight is not None:
            self._in_flight.cancel()
            try:
                self._in_flight.result()
            except Exception:  # the part is thrown away anyway; the abort below is what matters
                pass
            self._in_flight = None
        self._shutdown()
        if self.upload_id is not None:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self.key, UploadId=self.upload_id)
        else:
            self._client.delete_object(Bucket=self._bucket, Key=self.key)

    def _shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def storage_sink(
    key: str,
    *,
    on_part: PartCallback | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Sink:
    """Open a writer for ``key``; ``on_part(bytes_stored)`` runs after each stored part."""
    part_size = settings.UPLOAD_PART_SIZE
    if is_s3():
        return S3Sink(key, on_part=on_part, on_start=on_start, part_size=part_size)
    return LocalSink(key, on_part=on_part, part_size=part_size)


def storage_read(key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
    """Yield the bytes of ``key`` from ``start``, ``length`` of them (all when None)."""
    if is_s3():
        extra = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        body = s3_client().get_object(Bucket=settings.S3_BUCKET, Key=key, **extra)["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()
        return
    with open(default_storage.path(key), "rb") as f:
        f.seek(start)
        left = length
        while left is None or left > 0:
            chunk = f.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk


def storage_delete(key: str) -> None:
    default_storage.delete(key)


def storage_exists(key: str) -> bool:
    return default_storage.exists(key)
