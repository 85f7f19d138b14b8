"""Hashing a PATCH's bytes beside writing them: the upload's SHA-256 and the PATCH's
Upload-Checksum are fed in a thread of their own (hashlib lets go of the GIL), so on
two cores hashing costs the upload no time while the request thread writes."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# Bytes handed over per batch: few thread hops, little memory (two batches at most).
BATCH = 1024 * 1024


class Digests:
    def __init__(self, given: Sequence[Any]) -> None:
        self._digests = digests = [digest for digest in given if digest is not None]
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-hash") if digests else None
        self._pending: Future[None] | None = None

    def feed(self, batch: list[bytes]) -> None:
        if self._pool is None:
            return
        # One batch hashing at a time, in order: the previous one must be done first.
        self.wait()
        self._pending = self._pool.submit(self._update, batch)

    def _update(self, batch: list[bytes]) -> None:
        for chunk in batch:
            for digest in self._digests:
                digest.update(chunk)

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def close(self) -> None:
        """Wait for the last batch; afterwards the digests hold every byte fed."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
