"""Writes to the file index and the quota; every API stores and deletes through here."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from account.models import Refusal, User
from account.services import owner_locked
from upload_center.errors import FileNotFound, NothingToStore, StorageUnavailable
from upload_center.models import StoredFile, partial_name_new
from upload_center.names import name_with_suffix
from upload_center.storage import PartCallback, storage_delete, storage_sink
from upload_center.uploads import Upload, UploadState

__all__ = ["Upload", "download_path", "file_begin", "file_delete", "files_settle", "uploads_discard"]

# Only these change what a URL path means (an escape, the query, the fragment);
# every other character stays readable, as CONTRACT section 2 asks.
LINK_ESCAPES = str.maketrans({"%": "%25", "?": "%3F", "#": "%23"})


def download_path(row: StoredFile) -> str:
    return f"/fm/download/{row.owner.username}/{row.name.translate(LINK_ESCAPES)}"


def file_begin(
    *, owner: User, name: str, on_part: PartCallback | None = None, private: bool = False
) -> Upload:
    """Reserve a name (suffixed when taken) with a pending row and open its sink:
    a ``pending`` upload. ``on_part(bytes stored)`` runs after each stored part;
    ``private``: see file_row_reserve."""
    row = file_row_reserve(owner=owner, name=name, private=private)

    def record_upload_id(upload_id: str) -> None:
        # Kept on the row so that cleanup_uploads can abort what a killed process left.
        StoredFile.objects.filter(pk=row.pk).update(s3_upload_id=upload_id)

    try:
        sink = storage_sink(
            row.storage_key, partial_key=row.partial_key, on_part=on_part, on_start=record_upload_id
        )
    except BaseException:
        row.delete()
        raise
    return Upload(sent_name=name, row=row, sink=sink)


def file_row_reserve(*, owner: User, name: str, private: bool = False) -> StoredFile:
    """The pending index row that reserves ``name`` for an upload (suffixed when the
    name is taken), as every API that stores files makes it.

    ``private``: the file is never served by /fm/download/. Given here, on the row's
    first write, so the file is private from the moment it is stored (CONTRACT
    section 7: hand-ins); setting it after the store would leave a window."""
    candidate = name
    for _ in range(6):
        try:
            # The unique (owner, name) constraint says whether the name is taken (no
            # query before: a free name, the usual case, costs the insert alone) and
            # decides between two uploads that pick the same name at the same moment.
            with transaction.atomic():
                return StoredFile.objects.create(
                    owner=owner, name=candidate, partial_name=partial_name_new(), private=private
                )
        except IntegrityError:
            candidate = name_with_suffix(name)
    raise RuntimeError(f"could not find a free name for {name!r}")


def uploads_nonempty_check(uploads: list[Upload]) -> None:
    """An empty file refuses its whole request (CONTRACT): nothing of it is kept."""
    empty = [u.sent_name for u in uploads if u.state is UploadState.COMPLETE and u.size == 0]
    if empty:
        uploads_discard(uploads)
        raise NothingToStore.empty_files(empty)


def files_settle(*, owner_id: int, uploads: list[Upload]) -> dict[str, str]:
    """Charge the quota for the complete files that fit, smallest first, and answer
    per file: its download path once stored, else the text of its refusal.

    Stored files become ``stored`` rows, and their bytes move to their names, in
    the same transaction that charges ``used_storage``; the others are refused
    after it, losing their own bytes and rows. A storage failure on the way
    removes every file of the request and raises StorageUnavailable.
    """
    try:
        with transaction.atomic():
            # The user's row lock makes parallel requests of one user (any process)
            # settle one after another: two cannot both spend the same free bytes.
            user = owner_locked(owner_id=owner_id)
            accepted, refused = _uploads_fitting(user, uploads)
            charged = _uploads_store(accepted)
            User.objects.filter(pk=owner_id).update(used_storage=F("used_storage") + charged)
    except StorageUnavailable:
        uploads_discard(uploads)
        raise
    for upload, refusal in refused:
        upload.refuse(refusal)
    return dict(_answer(upload) for upload in uploads)


def _uploads_fitting(user: User, uploads: list[Upload]) -> tuple[list[Upload], list[tuple[Upload, Refusal]]]:
    """Split the complete uploads by the tier's rule, each accepted one counted as
    used (in memory only: the charge is one update) before the next is judged."""
    accepted: list[Upload] = []
    refused: list[tuple[Upload, Refusal]] = []
    complete = (u for u in uploads if u.state is UploadState.COMPLETE)
    for upload in sorted(complete, key=lambda u: u.size):
        refusal = user.upload_refusal(upload.size)
        if refusal is None:
            user.used_storage += upload.size
            accepted.append(upload)
        else:
            refused.append((upload, refusal))
    return accepted, refused


def _uploads_store(accepted: list[Upload]) -> int:
    """Mark the rows stored and move their bytes to their names; the bytes to charge."""
    moved: list[Upload] = []
    try:
        for upload in accepted:
            if upload.store():
                moved.append(upload)
    except StorageUnavailable:
        # The transaction rolls the rows back to pending: their names must not keep the bytes.
        for upload in moved:
            upload.store_undo()
        raise
    return sum(upload.size for upload in moved)


def _answer(upload: Upload) -> tuple[str, str]:
    if upload.state is UploadState.STORED:
        assert upload.row is not None
        return upload.row.name, download_path(upload.row)
    if upload.state is UploadState.REFUSED:
        return upload.sent_name, str(upload.error)
    raise ValueError(f"{upload.sent_name!r} is {upload.state.value} after settling")


def uploads_discard(uploads: list[Upload]) -> None:
    """The request failed: nothing of it stays (its own bytes, pending rows); no quota was charged."""
    for upload in uploads:
        upload.discard()


def file_delete(*, owner: User, name: str) -> None:
    with transaction.atomic():
        # Same lock as files_settle: a delete and a settle of one user never
        # interleave their reads and writes of used_storage.
        owner_locked(owner_id=owner.pk)
        row = StoredFile.objects.stored().filter(owner=owner, name=name).select_related("owner").first()
        if row is None:
            raise FileNotFound.named(name)
        key = row.storage_key
        row.delete()
        User.objects.filter(pk=owner.pk).update(used_storage=F("used_storage") - row.size)
        # Bytes go only once the row is surely gone; a failure here leaves an
        # orphan for reconcile_storage, never a row without bytes.
        transaction.on_commit(lambda: storage_delete(key))
