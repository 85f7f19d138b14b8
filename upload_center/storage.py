"""The one place that knows whether bytes live on local disk or in S3.

Writes go through a sink that stores each chunk as it comes, in a place that
belongs to that upload alone (a hidden file beside the final path, or the parts
of an S3 multipart upload), so nothing is spooled. ``commit`` then puts the bytes
at their key without copying them (a rename, or completing the multipart upload);
``abort`` removes only the upload's own bytes. Reads yield chunks from a byte
range, so downloads stream.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import posixpath
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import default_storage

from upload_center.errors import FileNotFound, StorageUnavailable
from upload_center.models import partial_name_new

READ_CHUNK = 4 * 1024 * 1024
IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024
logger = logging.getLogger(__name__)
PartCallback = Callable[[int], None]
T = TypeVar("T")
# What sinks are given and keep: the parser's chunks (or views of them), or the
# part an S3 sink copies them into.
Chunk = bytes | bytearray | memoryview


def is_s3() -> bool:
    return bool(settings.S3_BUCKET)


def s3_bucket() -> str:
    """The bucket of the configured storage (settings.S3_BUCKET unless overridden)."""
    return str(default_storage.bucket_name)  # type: ignore[attr-defined]


def s3_client() -> Any:
    """The boto3 client of django-storages' S3 backend (same credentials and endpoint)."""
    return default_storage.connection.meta.client  # type: ignore[attr-defined]


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """Disk and S3 failures while storing become one domain error with the cause kept."""
    try:
        yield
    except (OSError, BotoCoreError, ClientError) as e:
        # The cause stays in __cause__ for the logs; users get a plain sentence.
        raise StorageUnavailable("Storage is unavailable, nothing was stored; please try again.") from e


def storage_prepare() -> None:
    """Create the upload folder, or the bucket when it is missing."""
    if not is_s3():
        Path(default_storage.location).mkdir(parents=True, exist_ok=True)  # type: ignore[attr-defined]
        return
    client = s3_client()
    try:
        client.head_bucket(Bucket=s3_bucket())
    except client.exceptions.ClientError as e:
        if e.response["Error"]["Code"] not in {"404", "NoSuchBucket"}:
            raise
        _bucket_create(client)


def _bucket_create(client: Any) -> None:
    region = client.meta.region_name
    # us-east-1 is S3's default and refuses to be named as a location.
    where = (
        {} if region in {None, "us-east-1"} else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    try:
        client.create_bucket(Bucket=s3_bucket(), **where)
    except client.exceptions.ClientError as e:
        # Another process created it first.
        if e.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
            raise


def _bucket_ensured(write: Callable[[], T]) -> T:
    """Run an S3 write; where the bucket is missing (a fresh S3), create it and write again."""
    try:
        return write()
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchBucket":
            raise
    logger.warning("bucket %s is missing: creating it", s3_bucket())
    storage_prepare()
    return write()


class Sink(Protocol):
    sha256: str

    def write(self, data: Chunk) -> None: ...
    def close(self) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class _PipelinedSink:
    """Stores a stream in batches while the request thread parses the next one.

    A batch is hashed in one thread (in order) while it is stored by another
    (several at once where order does not matter, as with S3 parts); both
    release the GIL. At most ``max_in_flight`` batches plus the one filling are
    in memory. After each stored part of ``part_size`` bytes, the last (shorter)
    one included, ``on_part(bytes stored)`` runs in the request thread, in
    order; its last call carries the stream's whole size.
    """

    batch_size: int
    max_in_flight = 1

    def __init__(self, *, on_part: PartCallback | None, part_size: int) -> None:
        self._on_part = on_part
        self._part_size = part_size
        # Chunks are kept as received and handed over as a list: joining them
        # would copy every byte once more.
        self._buffer: list[Chunk] = []
        self._buffered = 0
        self._hash = hashlib.sha256()
        self._hasher: ThreadPoolExecutor | None = None
        self._storer: ThreadPoolExecutor | None = None
        self._in_flight: deque[tuple[Future[None], Future[None], list[Chunk]]] = deque()
        self._batches = 0
        self._stored = 0
        self._committed = False
        self.sha256 = ""

    def write(self, data: Chunk) -> None:
        self._buffer.append(data)
        self._buffered += len(data)
        self._flush_full()

    def _flush_full(self) -> None:
        if self._buffered >= self.batch_size:
            batch, self._buffer, self._buffered = self._buffer, [], 0
            with _storage_errors():
                self._submit(batch)

    def _hash_batch(self, batch: list[Chunk]) -> None:
        for chunk in batch:
            self._hash.update(chunk)

    def _submit(self, batch: list[Chunk]) -> None:
        while len(self._in_flight) >= self.max_in_flight:
            self._collect()
        if self._hasher is None or self._storer is None:
            self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hash")
            self._storer = ThreadPoolExecutor(
                max_workers=self.max_in_flight, thread_name_prefix="upload-store"
            )
        self._batches += 1
        hashed = self._hasher.submit(self._hash_batch, batch)
        stored = self._storer.submit(self._store, self._batches, batch)
        self._in_flight.append((hashed, stored, batch))

    def _collect(self, *, final: bool = False) -> None:
        hashed, stored, batch = self._in_flight.popleft()
        hashed.result()
        stored.result()
        self._done_with(batch)
        before = self._stored
        self._stored += sum(map(len, batch))
        crossed = self._stored // self._part_size > before // self._part_size
        # The last batch ends the last part, whatever its length; an empty
        # stream has no part to report.
        if self._on_part and (crossed or (final and self._stored)):
            self._on_part(self._stored)

    def close(self) -> None:
        try:
            with _storage_errors():
                if self._buffer or self._storer is None:
                    self._submit(self._buffer)
                    self._buffer, self._buffered = [], 0
                while self._in_flight:
                    self._collect(final=len(self._in_flight) == 1)
                self.sha256 = self._hash.hexdigest()
                self._finish()
        finally:
            self._shutdown()

    def commit(self) -> None:
        """Put the closed upload's bytes at their key; until then they are the upload's own."""
        with _storage_errors():
            self._commit()
        self._committed = True

    def abort(self) -> None:
        """Remove what this upload stored (never its key's bytes once committed)."""
        self._buffer, self._buffered = [], 0
        for hashed, stored, _ in self._in_flight:
            for future in (hashed, stored):
                with contextlib.suppress(Exception):  # thrown away anyway; the discard below is what matters
                    future.result()
        self._in_flight.clear()
        self._shutdown()
        if self._committed:
            return
        try:
            self._discard()
        except (OSError, BotoCoreError, ClientError):
            # Raising here would hide the failure being cleaned up after;
            # cleanup_uploads and reconcile_storage find what is left.
            logger.exception("could not discard a partial upload")

    def _shutdown(self) -> None:
        for executor in (self._hasher, self._storer):
            if executor is not None:
                executor.shutdown(wait=True)
        self._hasher = self._storer = None

    def _store(self, number: int, batch: list[Chunk]) -> None:
        raise NotImplementedError

    def _done_with(self, batch: list[Chunk]) -> None:
        """Called once a batch is hashed and stored."""

    def _finish(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError


class LocalSink(_PipelinedSink):
    """Writes to a hidden file of its own beside the final path, renamed into place
    by ``commit`` (same folder, so same filesystem: nothing is copied)."""

    batch_size = 1024 * 1024

    def __init__(self, key: str, *, partial_key: str, on_part: PartCallback | None, part_size: int) -> None:
        super().__init__(on_part=on_part, part_size=part_size)
        # Storage.path() refuses a key that would leave the upload root.
        self.path = Path(default_storage.path(key))
        self.partial_path = Path(default_storage.path(partial_key))
        self.partial_path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: the name is this upload's alone, never a file something else wrote.
        self._fd: int | None = os.open(self.partial_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)

    def _store(self, number: int, batch: list[Chunk]) -> None:
        fd = self._fd
        assert fd is not None  # batches are stored before close
        views = [memoryview(chunk) for chunk in batch]
        while views:
            written = os.writev(fd, views[:IOV_MAX])
            # Drop what was written; a short write leaves part of one chunk.
            while views and written >= len(views[0]):
                written -= len(views.pop(0))
            if written:
                views[0] = views[0][written:]

    def _finish(self) -> None:
        self._fd_close()

    def _fd_close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _commit(self) -> None:
        os.replace(self.partial_path, self.path)

    def _discard(self) -> None:
        self._fd_close()
        self.partial_path.unlink(missing_ok=True)


class S3Sink(_PipelinedSink):
    """Sends each full part of a multipart upload while the body is still arriving,
    two at a time (like boto3's transfer manager, with fewer threads): one S3
    request is mostly waiting, and signing hashes every part again. A third part
    in flight gained no speed here and took the server past 64 MiB of growth."""

    max_in_flight = 2

    def __init__(
        self,
        key: str,
        *,
        on_part: PartCallback | None,
        part_size: int,
        on_start: Callable[[str], None] | None,
    ) -> None:
        super().__init__(on_part=on_part, part_size=part_size)
        self.batch_size = part_size
        self.key = key
        self._client = s3_client()
        self._bucket = s3_bucket()
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
        if self._storer is None and not self._buffered:
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

    def _submit(self, batch: list[Chunk]) -> None:
        if self.upload_id is None:
            # CRC32 per part, as boto3's transfer manager sends: S3 checks each
            # part on arrival and again when the upload completes.
            self.upload_id = _bucket_ensured(
                lambda: self._client.create_multipart_upload(
                    Bucket=self._bucket, Key=self.key, ChecksumAlgorithm="CRC32"
                )
            )["UploadId"]
            if self._on_start:
                self._on_start(self.upload_id)
        super()._submit(batch)

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
            _bucket_ensured(lambda: self._client.put_object(Bucket=self._bucket, Key=self.key, Body=b""))
            return
        parts = [self._parts[number] for number in sorted(self._parts)]
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )

    def _discard(self) -> None:
        # Only this upload's parts: the key itself may hold a file another upload stored.
        if self.upload_id is not None:
            with contextlib.suppress(self._client.exceptions.NoSuchUpload):  # cleanup_uploads was first
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self.key, UploadId=self.upload_id
                )


def storage_sink(
    key: str,
    *,
    partial_key: str = "",
    on_part: PartCallback | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Sink:
    """Open a writer whose ``commit`` puts its bytes at ``key``; ``on_part(bytes_stored)``
    runs after each stored part, the last included. On disk the bytes wait in
    ``partial_key`` (a hidden name in the same folder; a fresh one when empty)."""
    part_size = settings.UPLOAD_PART_SIZE
    with _storage_errors():
        if is_s3():
            return S3Sink(key, on_part=on_part, on_start=on_start, part_size=part_size)
        partial_key = partial_key or posixpath.join(posixpath.dirname(key), partial_name_new())
        return LocalSink(key, partial_key=partial_key, on_part=on_part, part_size=part_size)


def storage_read(
    key: str, start: int = 0, length: int | None = None, chunk_size: int = READ_CHUNK
) -> Generator[bytes, int | None, None]:
    """The bytes of ``key`` from ``start``, ``length`` of them (all when None), in
    chunks of ``chunk_size`` bytes or of the size sent into the generator, each read
    only when asked for (S3 too: its body is a socket read as the chunks are taken,
    never a whole object or part).

    The object is opened here, not on the first chunk, so a missing one raises
    FileNotFound before a response has started.
    """
    if is_s3():
        client = s3_client()
        extra = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        try:
            body = client.get_object(Bucket=s3_bucket(), Key=key, **extra)["Body"]
        except client.exceptions.NoSuchKey as e:
            raise FileNotFound(f"{key} is in the index but not in the bucket") from e
        return _s3_chunks(body, chunk_size)
    try:
        f = open(default_storage.path(key), "rb")  # noqa: SIM115 - closed by the generator
    except FileNotFoundError as e:
        raise FileNotFound(f"{key} is in the index but not on disk") from e
    return _file_chunks(f, start, length, chunk_size)


def _s3_chunks(body: Any, chunk_size: int) -> Generator[bytes, int | None, None]:
    with contextlib.closing(body):
        size = chunk_size
        while chunk := body.read(size):
            size = (yield chunk) or chunk_size


def _file_chunks(
    f: BinaryIO, start: int, length: int | None, chunk_size: int
) -> Generator[bytes, int | None, None]:
    with f:
        f.seek(start)
        left = length
        size = chunk_size
        while left is None or left > 0:
            chunk = f.read(size if left is None else min(size, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            size = (yield chunk) or chunk_size


def storage_check() -> None:
    """Raise unless the storage can be used: the folder exists, or the bucket answers."""
    if is_s3():
        s3_client().head_bucket(Bucket=s3_bucket())
    elif not Path(default_storage.location).is_dir():  # type: ignore[attr-defined]
        raise FileNotFoundError(f"upload folder {default_storage.location} is missing")  # type: ignore[attr-defined]


def storage_delete(key: str) -> None:
    default_storage.delete(key)


def storage_exists(key: str) -> bool:
    return default_storage.exists(key)
