"""Who may change an upload now: one PATCH (or its termination or expiry) at a time.

Taking an upload is a conditional update of its row (free, or its holder's lease run
out; for a PATCH also at the offset the client sent), so two PATCHes of one upload,
in any processes, never interleave: the second is answered 409, as tus answers an
offset that is not the upload's. No transaction stays open while a body streams
(SQLite would be locked for every other writer meanwhile). The holder renews its
lease before it writes when a sixth of it has passed since the last renewal, so it never
writes after a lease that another request could have taken over.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from tus.errors import OffsetConflict, UploadNotFound
from tus.models import TusUpload, expiry_from

# A holder renews its lease when a sixth of it has passed: a slow write between two
# renewals never outlasts the lease.
RENEW_SHARE = 6


def _lease_end() -> Any:
    return timezone.now() + timedelta(seconds=settings.TUS_LEASE_SECONDS)


@dataclass
class Lease:
    upload_id: str
    token: str
    renewed: float = field(default_factory=time.monotonic)
    released: bool = False

    def due(self) -> bool:
        return time.monotonic() - self.renewed >= settings.TUS_LEASE_SECONDS / RENEW_SHARE

    def save(self, state: dict[str, Any], *, release: bool = False) -> None:
        """Record ``state`` (and end the lease, with ``release``), only while this lease
        holds the upload; raises OffsetConflict when another request took it over."""
        until = {"lock_token": "", "locked_until": None} if release else {"locked_until": _lease_end()}
        held = TusUpload.objects.filter(pk=self.upload_id, lock_token=self.token).update(
            expires_at=expiry_from(timezone.now()), **until, **state
        )
        if not held:
            raise OffsetConflict("Another request took this upload over.")
        self.renewed = time.monotonic()
        self.released = release

    def release(self, state: dict[str, Any] | None = None) -> None:
        if not self.released:
            TusUpload.objects.filter(pk=self.upload_id, lock_token=self.token).update(
                lock_token="", locked_until=None, **(state or {})
            )
            self.released = True


def upload_take(
    *, owner_id: int, upload_id: str, offset: int | None = None, expired_too: bool = False
) -> tuple[TusUpload, Lease]:
    """Hold a live upload of ``owner_id`` (an unfinished one at ``offset`` when given;
    ``expired_too`` for the cleanup that removes expired ones)."""
    token = secrets.token_hex(16)
    now = timezone.now()
    rows = TusUpload.objects.all() if expired_too else TusUpload.objects.live(now=now)
    rows = rows.unlocked(now=now).filter(pk=upload_id, owner_id=owner_id)
    if offset is not None:
        rows = rows.filter(offset=offset, finished=False)
    # The race: two requests for one upload; the row count says which one won.
    if rows.update(lock_token=token, locked_until=_lease_end()):
        upload = TusUpload.objects.select_related("file__owner").get(pk=upload_id)
        return upload, Lease(upload_id, token)
    current = TusUpload.objects.live(now=now).filter(pk=upload_id, owner_id=owner_id).first()
    if current is None:
        raise UploadNotFound("This upload does not exist or has expired.")
    if offset is not None and (current.finished or current.offset != offset):
        raise OffsetConflict(f"Upload-Offset {offset} is not the upload's offset, {current.offset}.")
    raise OffsetConflict("Another request is writing to this upload; ask its offset again (HEAD).")
