"""Operations on the file index and the storage behind it (run by management commands).

``storage_reconcile`` compares the index with the bytes in storage and repairs
``used_storage``; ``uploads_cleanup`` removes what cut-off uploads left behind.
Both are safe to run while the service is up: storage is listed before rows are
read, because an upload creates its pending row before it writes its first byte.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from upload_center.models import StoredFile
from upload_center.storage import storage_backend

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsageFix:
    username: str
    recorded: int
    actual: int


@dataclass
class ReconcileReport:
    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    usage: list[UsageFix] = field(default_factory=list)
    fixed: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.usage)


@dataclass
class CleanupReport:
    stale_rows: list[str] = field(default_factory=list)
    aborted_uploads: list[str] = field(default_factory=list)


def storage_keys() -> set[str]:
    """Every key in the storage outside the temporary folders (which neither command looks inside)."""
    return set(storage_backend().keys())


def _index_keys() -> tuple[dict[str, int], set[str]]:
    """Stored keys (with row ids) and the keys of pending uploads: the names they
    reserve and the hidden files that hold their bytes."""
    stored: dict[str, int] = {}
    pending: set[str] = set()
    rows = StoredFile.objects.select_related("owner").only(
        "id", "name", "storage_name", "state", "partial_name", "owner__username"
    )
    for row in rows.iterator(chunk_size=2000):
        if row.state == StoredFile.State.STORED:
            stored[row.storage_key] = row.id
        else:
            pending.update(key for key in (row.storage_key, row.partial_key) if key)
    return stored, pending


def storage_reconcile(*, fix: bool = False) -> ReconcileReport:
    """Report orphans (bytes without a row), missing files (stored rows without
    bytes) and wrong ``used_storage``; with ``fix``, delete the orphans, drop the
    rows of missing files and set ``used_storage`` to the sum of stored sizes."""
    in_storage = storage_keys()  # first: see the module docstring
    stored, pending = _index_keys()
    report = ReconcileReport(fixed=fix)

    # Bytes of a pending row belong to an upload in progress; cleanup_uploads owns them.
    report.orphans = sorted(in_storage - stored.keys() - pending)
    # A file stored after the listing is absent from it but exists: ask again.
    report.missing = sorted(key for key in stored.keys() - in_storage if not storage_backend().exists(key))

    missing_ids = {stored[key] for key in report.missing}
    if fix:
        for key in report.orphans:
            username, _, name = key.partition("/")
            # An upload may have reserved the name since the listing. A replaced file's
            # bytes are under its storage_name: its own name's key may be an orphan.
            owned = (
                Q(storage_name=name)
                | Q(storage_name="", name=name)
                | Q(partial_name=name, state=StoredFile.State.PENDING)
            )
            if not StoredFile.objects.filter(owned, owner__username=username).exists():
                storage_backend().delete(key)
                logger.info("deleted orphan %s", key)
        StoredFile.objects.filter(id__in=missing_ids, state=StoredFile.State.STORED).delete()
        for key in report.missing:
            logger.info("dropped the row of missing file %s", key)

    for user_id in get_user_model().objects.order_by("id").values_list("id", flat=True):
        fixed_usage = _usage_reconcile(user_id=user_id, ignore_ids=missing_ids, fix=fix)
        if fixed_usage:
            report.usage.append(fixed_usage)
    return report


def _usage_reconcile(*, user_id: int, ignore_ids: set[int], fix: bool) -> UsageFix | None:
    User = get_user_model()
    with transaction.atomic():
        # Locked so that a quota charge running now cannot interleave with the recount.
        user = User.objects.select_for_update().get(id=user_id)
        files = StoredFile.objects.stored().filter(owner_id=user_id).exclude(id__in=ignore_ids)
        actual = files.aggregate(total=Sum("size"))["total"] or 0
        if user.used_storage == actual:
            return None
        change = UsageFix(username=user.username, recorded=user.used_storage, actual=actual)
        if fix:
            User.objects.filter(id=user_id).update(used_storage=actual)
            logger.info("set used_storage of %s from %d to %d", user.username, change.recorded, actual)
    return change


def uploads_cleanup(*, older_than: timedelta, now: datetime | None = None) -> CleanupReport:
    """Remove pending rows older than ``older_than`` with their partial bytes
    (an S3 multipart upload or a hidden partial file), then abort every S3
    multipart upload that old which no remaining pending row owns.

    Only what the row's own upload wrote is removed: the name it reserved may be
    taken by a new upload the moment the row is gone.
    """
    cutoff = (now or timezone.now()) - older_than
    report = CleanupReport()
    storage = storage_backend()
    # A resumable upload (tus) keeps its pending row for as long as it lives;
    # tus.services.uploads_expire removes it when it expires.
    stale = (
        StoredFile.objects.pending()
        .filter(created_at__lt=cutoff, tus_upload__isnull=True)
        .select_related("owner")
    )
    for row in stale:
        # Deleting the row first claims it: an upload finishing now sees its row
        # gone instead of storing a file whose bytes are about to be removed.
        claimed, _ = StoredFile.objects.pending().filter(id=row.id).delete()
        if not claimed:
            continue
        if row.s3_upload_id:
            storage.multipart_abort(key=row.storage_key, upload_id=row.s3_upload_id)
        if row.partial_key:  # on S3 a pending upload's bytes are its multipart upload: a no-op there
            storage.delete(row.partial_key)
        if not row.partial_name:
            _unclaimed_bytes_delete(row)
        report.stale_rows.append(row.storage_key)
        logger.info("removed the cut-off upload %s", row.storage_key)

    report.aborted_uploads = _stray_multipart_abort(cutoff=cutoff)
    return report


def _unclaimed_bytes_delete(row: StoredFile) -> None:
    """A row from before partial names wrote at its file's name: remove those bytes
    unless the name is taken again. Under the owner's row lock, as settling holds
    it while moving bytes to a name."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=row.owner_id).first()
        if not StoredFile.objects.filter(owner_id=row.owner_id, name=row.name).exists():
            storage_backend().delete(row.storage_key)


def _stray_multipart_abort(*, cutoff: datetime) -> list[str]:
    live = set(StoredFile.objects.pending().exclude(s3_upload_id="").values_list("s3_upload_id", flat=True))
    aborted: list[str] = []
    storage = storage_backend()
    # On disk there are none: an unfinished upload there is a hidden file its row names.
    for upload in storage.multipart_uploads(initiated_before=cutoff):
        if upload.upload_id in live:
            continue
        storage.multipart_abort(key=upload.key, upload_id=upload.upload_id)
        aborted.append(upload.key)
        logger.info("aborted the stray multipart upload %s (%s)", upload.key, upload.upload_id)
    return aborted
