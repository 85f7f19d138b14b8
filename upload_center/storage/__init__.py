"""The one place that knows whether bytes live on local disk or in S3.

Two backends, ``LocalStorage`` (``local.py``) and ``S3Storage`` (``s3.py``), offer
the same methods (``base.StorageBackend``); ``storage_backend()`` picks one from the
settings once and keeps it until a test changes them. Writes go through a sink
(``pipeline.py``) that stores each chunk as it comes, in a place that belongs to
that upload alone (a hidden file beside the final path, or the parts of an S3
multipart upload), so nothing is spooled. ``commit`` then puts the bytes at their
key without copying them (a rename, or completing the multipart upload); ``abort``
removes only the upload's own bytes. Reads yield chunks from a byte range, so
downloads stream.

The public API is the names in ``__all__``: the functions below delegate to the
chosen backend, so callers never ask which one it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver

from config.tuning import STORAGE_READ_CHUNK
from upload_center.storage.base import TEMP_PREFIX, ByteWindow, MultipartUpload, StorageBackend
from upload_center.storage.local import LocalSink, LocalStorage
from upload_center.storage.pipeline import Chunk, PartCallback, Sink, storage_errors
from upload_center.storage.s3 import S3Sink, S3Storage

__all__ = [
    "TEMP_PREFIX",
    "Chunk",
    "LocalSink",
    "LocalStorage",
    "MultipartUpload",
    "PartCallback",
    "S3Sink",
    "S3Storage",
    "Sink",
    "StorageBackend",
    "is_s3",
    "s3_bucket",
    "s3_client",
    "storage_backend",
    "storage_check",
    "storage_delete",
    "storage_exists",
    "storage_connect",
    "storage_prepare",
    "storage_read",
    "storage_open",
    "ByteWindow",
    "storage_sink",
]

# The settings that choose the backend or configure it.
BACKEND_SETTINGS = {"S3_BUCKET", "STORAGES"}


def is_s3() -> bool:
    return bool(settings.S3_BUCKET)


@functools.cache
def storage_backend() -> StorageBackend:
    """The backend of the configured storage, built on Django's default storage."""
    files = storages["default"]
    # Without S3_BUCKET the settings configure a FileSystemStorage.
    return S3Storage(files) if is_s3() else LocalStorage(files)  # type: ignore[arg-type]


@receiver(setting_changed)
def _backend_forget(*, setting: str, **kwargs: Any) -> None:
    # Tests switch between S3 and disk (and between buckets) with override_settings.
    if setting in BACKEND_SETTINGS:
        storage_backend.cache_clear()


def _s3() -> S3Storage:
    backend = storage_backend()
    if not isinstance(backend, S3Storage):
        raise TypeError("the storage is local disk, not S3 (S3_BUCKET is empty)")
    return backend


def s3_bucket() -> str:
    """The bucket of the configured storage (settings.S3_BUCKET unless overridden)."""
    return _s3().bucket


def s3_client() -> Any:
    """The boto3 client of django-storages' S3 backend (same credentials and endpoint)."""
    return _s3().client


def storage_connect() -> None:
    """Builds the process's S3 client now, when a server process starts (config.lifespan);
    nothing is sent. Loading botocore's models for it took about 23 MiB and a fifth of a
    second, in whichever request came first."""
    if is_s3():
        _s3().client  # noqa: B018 (a cached property: built once per process)


def storage_prepare() -> None:
    """Create the upload folder, or the bucket when it is missing."""
    storage_backend().prepare()


def storage_sink(
    key: str,
    *,
    partial_key: str = "",
    on_part: PartCallback | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Sink:
    """Open a writer whose ``commit`` puts its bytes at ``key``; ``on_part(bytes_stored)``
    runs after each stored part, the last included. On disk the bytes wait in
    ``partial_key`` (a hidden name in the same folder; a fresh one when empty); on S3
    ``on_start(upload_id)`` runs once its multipart upload exists."""
    part_size = settings.UPLOAD_PART_SIZE
    with storage_errors():
        return storage_backend().sink(
            key, partial_key=partial_key, on_part=on_part, on_start=on_start, part_size=part_size
        )


def storage_read(
    key: str, start: int = 0, length: int | None = None, chunk_size: int = STORAGE_READ_CHUNK
) -> Generator[bytes, int | None, None]:
    """The bytes of ``key`` from ``start``, ``length`` of them (all when None), in
    chunks of ``chunk_size`` bytes or of the size sent into the generator, each read
    only when asked for (S3 too: its body is a socket read as the chunks are taken,
    never a whole object or part).

    The object is opened here, not on the first chunk, so a missing one raises
    FileNotFound before a response has started.
    """
    return storage_backend().read(key, start, length, chunk_size)


def storage_open(key: str, start: int, length: int) -> ByteWindow:
    """``length`` bytes of ``key`` from ``start`` as a file to send (downloads); opened
    here, so a missing object raises FileNotFound before a response has started."""
    return storage_backend().open(key, start, length)


def storage_check() -> None:
    """Raise unless the storage can be used: the folder exists, or the bucket answers."""
    storage_backend().check()


def storage_delete(key: str) -> None:
    storage_backend().delete(key)


def storage_exists(key: str) -> bool:
    return storage_backend().exists(key)
