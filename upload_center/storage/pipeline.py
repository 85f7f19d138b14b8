"""The threaded write pipeline every sink shares, whatever holds the bytes.

A sink stores each batch of chunks as it comes, in a place that belongs to its
upload alone; ``commit`` then puts the bytes at their key without copying them
and ``abort`` removes only the upload's own bytes. A backend supplies the four
steps that differ (``_store``, ``_finish``, ``_commit``, ``_discard``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from upload_center.errors import StorageUnavailable

logger = logging.getLogger(__name__)
PartCallback = Callable[[int], None]
# What sinks are given and keep: the parser's chunks (or views of them), or the
# part an S3 sink copies them into.
Chunk = bytes | bytearray | memoryview
# Failures of disk and S3 calls; anything else is a bug and is not turned into a 503.
STORAGE_FAILURES = (OSError, BotoCoreError, ClientError)


@functools.cache
def _workers(kind: str) -> ThreadPoolExecutor:
    """The process's threads that hash (``"hash"``) or store (``"store"``) every upload's
    batches, started once: two threads of its own per upload were a tenth of the GIL's
    time under 32 uploads at once, and 96 threads took turns at it (py-spy --gil)."""
    # Hashing is CPU work; storing mostly waits (on S3, on the disk's writeback).
    workers = (os.cpu_count() or 2) if kind == "hash" else 32
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"upload-{kind}")


# A forked child (a Celery worker) has none of its parent's threads: it starts its own.
os.register_at_fork(after_in_child=_workers.cache_clear)


class Sink(Protocol):
    sha256: str

    def write(self, data: Chunk) -> None: ...
    def close(self) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Disk and S3 failures while storing become one domain error with the cause kept."""
    try:
        yield
    except STORAGE_FAILURES as e:
        # The cause stays in __cause__ for the logs; users get a plain sentence.
        raise StorageUnavailable("Storage is unavailable, nothing was stored; please try again.") from e


class PipelinedSink:
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
            with storage_errors():
                self._submit(batch)

    def _hash_batch(self, batch: list[Chunk], previous: Future[None] | None) -> None:
        # The hash takes the batches in order. The previous batch's hashing started
        # before this one (the workers take jobs first in, first out), so this waits
        # for a running job, never for one queued behind it.
        if previous is not None:
            previous.result()
        for chunk in batch:
            self._hash.update(chunk)

    def _submit(self, batch: list[Chunk]) -> None:
        while len(self._in_flight) >= self.max_in_flight:
            self._collect()
        number = self._batch_number()
        previous = self._in_flight[-1][0] if self._in_flight else None
        hashed = _workers("hash").submit(self._hash_batch, batch, previous)
        stored = _workers("store").submit(self._store, number, batch)
        self._in_flight.append((hashed, stored, batch))

    def _batch_number(self) -> int:
        """The next batch's number, from 1; before the first, ``_begin`` starts the upload."""
        if not self._batches:
            self._begin()
        self._batches += 1
        return self._batches

    def _collect(self, *, final: bool = False) -> None:
        hashed, stored, batch = self._in_flight.popleft()
        hashed.result()
        stored.result()
        self._stored_add(batch, final=final)

    def _stored_add(self, batch: list[Chunk], *, final: bool) -> None:
        self._done_with(batch)
        before = self._stored
        self._stored += sum(map(len, batch))
        crossed = self._stored // self._part_size > before // self._part_size
        # The last batch ends the last part, whatever its length; an empty
        # stream has no part to report.
        if self._on_part and (crossed or (final and self._stored)):
            self._on_part(self._stored)

    def close(self) -> None:
        with storage_errors():
            if self._buffer or not self._batches:
                self._last_batch(self._buffer)
                self._buffer, self._buffered = [], 0
            while self._in_flight:
                self._collect(final=len(self._in_flight) == 1)
            self.sha256 = self._hash.hexdigest()
            self._finish()

    def _last_batch(self, batch: list[Chunk]) -> None:
        """Hashes and stores the last batch in this thread, which waits for it anyway,
        when no earlier batch is still in flight (always on disk, where one is at most):
        handing it to the workers cost two thread wake-ups per upload, most of a small
        upload's storing. Otherwise it goes to the workers, beside the one in flight."""
        while len(self._in_flight) >= self.max_in_flight:
            self._collect()
        if self._in_flight:
            self._submit(batch)
            return
        number = self._batch_number()
        for chunk in batch:
            self._hash.update(chunk)
        self._store(number, batch)
        self._stored_add(batch, final=True)

    def commit(self) -> None:
        """Put the closed upload's bytes at their key; until then they are the upload's own."""
        with storage_errors():
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
        if self._committed:
            return
        try:
            self._discard()
        except STORAGE_FAILURES:
            # Raising here would hide the failure being cleaned up after;
            # cleanup_uploads and reconcile_storage find what is left.
            logger.exception("could not discard a partial upload")

    def _begin(self) -> None:
        """Called in the request thread before the first batch is stored."""

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
