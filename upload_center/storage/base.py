"""What every storage backend offers: the interface the rest of the app calls."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from upload_center.storage.pipeline import PartCallback, Sink

# Top-level folders (or key prefixes) starting with this hold temporary files of
# other parts, never a user's files, so listings for maintenance skip them.
TEMP_PREFIX = "."


class ByteWindow:
    """``length`` bytes of a readable object from where it stands: what a download reads.

    ``read`` stops at the window's end. On local disk ``fileno`` is the open file's,
    which stands at the window's start, so a server can sendfile the window
    (gunicorn sends Content-Length bytes from the descriptor's offset); S3 has none.
    """

    def __init__(self, raw: Any, length: int, *, has_fileno: bool) -> None:
        self._raw = raw
        self._left = length
        if has_fileno:
            self.fileno = raw.fileno

    def read(self, size: int = -1, /) -> bytes:
        if self._left <= 0:
            return b""
        data = self._raw.read(self._left if size < 0 else min(size, self._left))
        self._left -= len(data)
        return bytes(data)

    def close(self) -> None:
        self._raw.close()


@dataclass(frozen=True)
class MultipartUpload:
    """An S3 multipart upload that was started and neither completed nor aborted."""

    key: str
    upload_id: str
    initiated: datetime


class StorageBackend(Protocol):
    def sink(
        self,
        key: str,
        *,
        partial_key: str,
        on_part: PartCallback | None,
        on_start: Callable[[str], None] | None,
        part_size: int,
    ) -> Sink:
        """A writer whose ``commit`` puts its bytes at ``key``."""
        ...

    def read(
        self, key: str, start: int, length: int | None, chunk_size: int
    ) -> Generator[bytes, int | None, None]:
        """The bytes of ``key``, opened now (FileNotFound when missing), read as taken."""
        ...

    def open(self, key: str, start: int, length: int) -> ByteWindow:
        """``length`` bytes of ``key`` from ``start``, opened now (FileNotFound when missing)."""
        ...

    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """Raise unless the storage can be used."""
        ...

    def prepare(self) -> None:
        """Create what the storage needs (the upload folder, or the bucket)."""
        ...

    def keys(self) -> Iterator[str]:
        """Every key outside the temporary top-level folders (or prefixes)."""
        ...

    def multipart_uploads(self, *, initiated_before: datetime) -> Iterator[MultipartUpload]:
        """Unfinished multipart uploads started before that moment (none on disk)."""
        ...

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        """Abort one, if it is still open."""
        ...
