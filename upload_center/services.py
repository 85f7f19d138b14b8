"""Writes to the file index and the quota; every API stores and deletes through here."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from account.models import NOT_ENOUGH_SPACE, User
from upload_center.errors import FileNotFound, StorageUnavailable
from upload_center.models import StoredFile, partial_name_new
from upload_center.names import name_with_suffix
from upload_center.storage import PartCallback, Sink, storage_delete, storage_sink

TOOK_TOO_LONG = "The upload took too long and was cancelled; please send it again."
logger = logging.getLogger(__name__)


@dataclass
class Upload:
    """One file of a request, from its first byte to its answer."""

    sent_name: str
    row: StoredFile | None = None
    sink: Sink | None = None
    size: int = 0
    sha256: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.row is not None

    def write(self, data: bytes) -> None:
        assert self.sink is not None
        self.sink.write(data)
        self.size += len(data)


# Only these change what a URL path means (an escape, the query, the fragment);
# every other character stays readable, as CONTRACT section 2 asks.
LINK_ESCAPES = str.maketrans({"%": "%25", "?": "%3F", "#": "%23"})


def download_path(row: StoredFile) -> str:
    return f"/fm/download/{row.owner.username}/{row.name.translate(LINK_ESCAPES)}"


def file_begin(*, owner: User, name: str, on_part: PartCallback | None = None) -> Upload:
    """Reserve a name (suffixed when taken) with a pending row and open its sink."""
    row = _row_reserve(owner=owner, name=name)
    upload = Upload(sent_name=name, row=row)

    def record_upload_id(upload_id: str) -> None:
        # Kept on the row so that cleanup_uploads can abort what a killed process left.
        StoredFile.objects.filter(pk=row.pk).update(s3_upload_id=upload_id)

    try:
        upload.sink = storage_sink(
            row.storage_key, partial_key=row.partial_key, on_part=on_part, on_start=record_upload_id
        )
    except BaseException:
        row.delete()
        raise
    return upload


def _row_reserve(*, owner: User, name: str) -> StoredFile:
    candidate = name
    if StoredFile.objects.filter(owner=owner, name=name).exists():
        candidate = name_with_suffix(name)
    for _ in range(5):
        try:
            # The unique (owner, name) constraint decides between two uploads that
            # picked the same free name at the same moment; the loser takes a suffix.
            with transaction.atomic():
                return StoredFile.objects.create(owner=owner, name=candidate, partial_name=partial_name_new())
        except IntegrityError:
            candidate = name_with_suffix(name)
    raise RuntimeError(f"could not find a free name for {name!r}")


def file_refuse(upload: Upload, message: str) -> None:
    """Stop storing a file mid-stream: its bytes and its pending row go."""
    file_discard(upload)
    upload.error = message


def file_discard(upload: Upload) -> None:
    if upload.sink is not None:
        upload.sink.abort()
        upload.sink = None
    if upload.row is not None:
        StoredFile.objects.filter(pk=upload.row.pk, state=StoredFile.State.PENDING).delete()
        upload.row = None


def file_finish(upload: Upload) -> None:
    """All bytes are in: stored under the upload's own key, reaching the file's
    name only when ``files_settle`` marks the row stored."""
    assert upload.sink is not None
    upload.sink.close()
    upload.sha256 = upload.sink.sha256


def files_settle(*, owner_id: int, uploads: list[Upload]) -> dict[str, str]:
    """Charge the quota for the files that fit, smallest first, and answer per file.

    Stored files become ``stored`` rows, and their bytes move to their names, in
    the same transaction that charges ``used_storage``; the rest lose their own
    bytes and rows. A storage failure on the way removes every file of the
    request and raises StorageUnavailable.
    """
    try:
        with transaction.atomic():
            # The user's row lock makes parallel requests of one user (any process)
            # settle one after another: two cannot both spend the same free bytes.
            user = User.objects.select_for_update().get(pk=owner_id)
            charged = _uploads_store(_uploads_fitting(user, uploads))
            User.objects.filter(pk=owner_id).update(used_storage=F("used_storage") + charged)
    except StorageUnavailable:
        uploads_discard(uploads)
        raise
    answers: dict[str, str] = {}
    for upload in uploads:
        if upload.ok and upload.row is not None and upload.row.state == StoredFile.State.STORED:
            answers[upload.row.name] = download_path(upload.row)
            upload.sink = None
        else:
            file_discard(upload)
            answers[upload.sent_name] = upload.error or NOT_ENOUGH_SPACE
    return answers


def _uploads_fitting(user: User, uploads: list[Upload]) -> list[Upload]:
    left = user.account.storage - user.used_storage
    accepted: list[Upload] = []
    for upload in sorted((u for u in uploads if u.ok), key=lambda u: u.size):
        if upload.size <= left:
            left -= upload.size
            accepted.append(upload)
        else:
            upload.error = NOT_ENOUGH_SPACE
    return accepted


def _uploads_store(accepted: list[Upload]) -> int:
    """Mark the rows stored and move their bytes to their names; the bytes to charge."""
    moved: list[Upload] = []
    try:
        for upload in accepted:
            if _upload_store(upload):
                moved.append(upload)
    except StorageUnavailable:
        # The transaction rolls the rows back to pending: their names must not keep the bytes.
        for upload in moved:
            assert upload.row is not None
            try:
                storage_delete(upload.row.storage_key)
            except Exception:
                logger.exception("could not remove %s after a failed settle", upload.row.storage_key)
        raise
    return sum(upload.size for upload in moved)


def _upload_store(upload: Upload) -> bool:
    assert upload.row is not None and upload.sink is not None
    # Conditional on still pending: cleanup_uploads may have removed a row that
    # stalled for too long, and a file with no row is neither charged nor moved.
    # The update also locks the row until commit, so cleanup cannot take it while
    # its bytes move.
    stored = StoredFile.objects.filter(pk=upload.row.pk, state=StoredFile.State.PENDING).update(
        size=upload.size, sha256=upload.sha256, state=StoredFile.State.STORED
    )
    if not stored:
        upload.error = TOOK_TOO_LONG
        return False
    upload.sink.commit()
    upload.row.size, upload.row.sha256 = upload.size, upload.sha256
    upload.row.state = StoredFile.State.STORED
    return True


def uploads_discard(uploads: list[Upload]) -> None:
    """The request failed: nothing of it stays (its own bytes, pending rows); no quota was charged."""
    for upload in uploads:
        file_discard(upload)


def file_delete(*, owner: User, name: str) -> None:
    with transaction.atomic():
        # Same lock as files_settle: a delete and a settle of one user never
        # interleave their reads and writes of used_storage.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        row = StoredFile.objects.stored().filter(owner=owner, name=name).select_related("owner").first()
        if row is None:
            raise FileNotFound(f"{name} hasn't existed!")
        key = row.storage_key
        row.delete()
        User.objects.filter(pk=owner.pk).update(used_storage=F("used_storage") - row.size)
        # Bytes go only once the row is surely gone; a failure here leaves an
        # orphan for reconcile_storage, never a row without bytes.
        transaction.on_commit(lambda: storage_delete(key))
