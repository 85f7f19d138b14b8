"""One file of a request, from its first byte to its answer, as one explicit state.

::

    pending --write--> streaming --finish--> complete --store--> stored
       |                  |                     |                  |
       +------------------+--refuse/discard-----+    <--store_undo-+

An upload is ``pending`` once its row reserves the name and its sink is open;
``refused`` (with the error its answer shows) and ``discarded`` remove its own
bytes and its pending row, and are final. ``stored`` is final too once the
settling transaction commits; ``store_undo`` is for when it rolls back.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass

from account.models import Refusal
from upload_center.errors import QuotaRefused, UploadCutOff, UploadError
from upload_center.models import StoredFile
from upload_center.storage import Chunk, Sink, storage_delete

logger = logging.getLogger(__name__)


class UploadState(enum.Enum):
    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETE = "complete"
    STORED = "stored"
    REFUSED = "refused"
    DISCARDED = "discarded"


RECEIVING = frozenset({UploadState.PENDING, UploadState.STREAMING})
UNSETTLED = RECEIVING | {UploadState.COMPLETE}
FINISHED = frozenset({UploadState.REFUSED, UploadState.DISCARDED})


class IllegalTransition(RuntimeError):
    """A bug: an upload was asked to do what its state does not allow."""


@dataclass(eq=False)
class Upload:
    sent_name: str
    row: StoredFile | None = None
    sink: Sink | None = None
    state: UploadState = UploadState.PENDING
    size: int = 0
    sha256: str = ""
    error: UploadError | None = None

    @classmethod
    def refused_at_once(cls, sent_name: str, error: UploadError) -> Upload:
        """A file refused before anything was reserved for it (e.g. its name)."""
        return cls(sent_name=sent_name, state=UploadState.REFUSED, error=error)

    @property
    def receiving(self) -> bool:
        return self.state in RECEIVING

    def write(self, data: Chunk) -> None:
        self._require(RECEIVING, "write")
        assert self.sink is not None
        self.sink.write(data)
        self.size += len(data)
        self.state = UploadState.STREAMING

    def finish(self) -> None:
        """All bytes are in: kept under the upload's own key until ``store``."""
        self._require(RECEIVING, "finish")
        assert self.sink is not None
        self.sink.close()
        self.sha256 = self.sink.sha256
        self.state = UploadState.COMPLETE

    def store(self) -> bool:
        """Mark the row stored and move the bytes to its name, inside the settling
        transaction; False (and refused) when cleanup_uploads removed the row."""
        self._require({UploadState.COMPLETE}, "store")
        assert self.row is not None and self.sink is not None
        # Conditional on still pending: a row cleanup_uploads removed for stalling is
        # neither charged nor moved. The update also locks the row until commit, so
        # cleanup cannot take it while its bytes move.
        stored = (
            StoredFile.objects.pending()
            .filter(pk=self.row.pk)
            .update(size=self.size, sha256=self.sha256, state=StoredFile.State.STORED)
        )
        if not stored:
            self.refuse(UploadCutOff())
            return False
        self.sink.commit()
        self.sink = None  # its buffers go now, not with the request
        self.row.size, self.row.sha256, self.row.state = self.size, self.sha256, StoredFile.State.STORED
        self.state = UploadState.STORED
        return True

    def store_undo(self) -> None:
        """The settling transaction rolls back, so the row is pending again: its bytes
        must leave the name (the partial bytes they were are gone with the move)."""
        self._require({UploadState.STORED}, "store_undo")
        assert self.row is not None
        try:
            storage_delete(self.row.storage_key)
        except Exception:
            logger.exception("could not remove %s after a failed settle", self.row.storage_key)
        self.row.state = StoredFile.State.PENDING
        self.state = UploadState.COMPLETE

    def refuse(self, reason: Refusal | UploadError) -> None:
        """Stop storing the file: its bytes and pending row go; ``error`` is its answer."""
        self._require(UNSETTLED, "refuse")
        self._drop()
        self.error = QuotaRefused(reason) if isinstance(reason, Refusal) else reason
        self.state = UploadState.REFUSED

    def discard(self) -> None:
        """The request failed: its own bytes and pending row go (a no-op once refused)."""
        if self.state in FINISHED:
            return
        self._require(UNSETTLED, "discard")
        self._drop()
        self.state = UploadState.DISCARDED

    def _drop(self) -> None:
        if self.sink is not None:
            self.sink.abort()
            self.sink = None
        if self.row is not None:
            StoredFile.objects.pending().filter(pk=self.row.pk).delete()

    def _require(self, allowed: Collection[UploadState], action: str) -> None:
        if self.state not in allowed:
            raise IllegalTransition(f"{self.sent_name!r}: cannot {action} when {self.state.value}")
