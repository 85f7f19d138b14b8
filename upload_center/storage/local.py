"""Bytes on local disk, under the folder of Django's FileSystemStorage (UPLOAD_ROOT)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import FileSystemStorage

from upload_center.errors import FileNotFound
from upload_center.models import partial_name_new
from upload_center.storage.base import TEMP_PREFIX, ByteWindow, MultipartUpload
from upload_center.storage.pipeline import Chunk, PartCallback, PipelinedSink

IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024


class LocalSink(PipelinedSink):
    """Writes to a hidden file of its own beside the final path, renamed into place
    by ``commit`` (same folder, so same filesystem: nothing is copied)."""

    batch_size = 1024 * 1024

    def __init__(
        self, *, path: Path, partial_path: Path, on_part: PartCallback | None, part_size: int
    ) -> None:
        super().__init__(on_part=on_part, part_size=part_size)
        self.path = path
        self.partial_path = partial_path
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


class LocalStorage:
    """Keys are paths under the storage's folder; Django's storage refuses one that leaves it."""

    def __init__(self, files: FileSystemStorage) -> None:
        self._files = files

    @property
    def root(self) -> Path:
        return Path(self._files.location)

    def sink(
        self,
        key: str,
        *,
        partial_key: str,
        on_part: PartCallback | None,
        on_start: Callable[[str], None] | None,
        part_size: int,
    ) -> LocalSink:
        """``on_start`` is S3's (an upload id); on disk the bytes wait in ``partial_key``,
        a hidden name in the same folder (a fresh one when empty)."""
        partial_key = partial_key or posixpath.join(posixpath.dirname(key), partial_name_new())
        return LocalSink(
            path=Path(self._files.path(key)),
            partial_path=Path(self._files.path(partial_key)),
            on_part=on_part,
            part_size=part_size,
        )

    def read(
        self, key: str, start: int, length: int | None, chunk_size: int
    ) -> Generator[bytes, int | None, None]:
        try:
            f = open(self._files.path(key), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError as e:
            raise FileNotFound(f"{key} is in the index but not on disk") from e
        return _file_chunks(f, start, length, chunk_size)

    def open(self, key: str, start: int, length: int) -> ByteWindow:
        try:
            # Unbuffered: the descriptor's offset is the window's start (sendfile reads it).
            f = open(self._files.path(key), "rb", buffering=0)  # noqa: SIM115 - closed by the window
        except FileNotFoundError as e:
            raise FileNotFound(f"{key} is in the index but not on disk") from e
        f.seek(start)
        return ByteWindow(f, length, has_fileno=True)

    def delete(self, key: str) -> None:
        self._files.delete(key)

    def exists(self, key: str) -> bool:
        return self._files.exists(key)

    def check(self) -> None:
        if not self.root.is_dir():
            raise FileNotFoundError(f"upload folder {self._files.location} is missing")

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def keys(self) -> Iterator[str]:
        root = self.root
        if not root.exists():
            return
        for top in sorted(root.iterdir()):
            if top.name.startswith(TEMP_PREFIX):
                continue
            if top.is_file():
                yield top.name
                continue
            for path in sorted(top.rglob("*")):
                if path.is_file():
                    yield path.relative_to(root).as_posix()

    def multipart_uploads(self, *, initiated_before: datetime) -> Iterator[MultipartUpload]:
        """None: an unfinished upload on disk is a hidden file that its row names."""
        return iter(())

    def multipart_abort(self, *, key: str, upload_id: str) -> None:
        """Nothing to abort on disk (see ``multipart_uploads``)."""


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
