"""Writes to the file index and the quota; every API stores and deletes through here."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F, ManyToOneRel, QuerySet

from account.models import Refusal, User
from account.services import owner_locked
from upload_center.errors import FileHeld, FileNotFound, NotAReupload, NothingToStore, StorageUnavailable
from upload_center.models import StoredFile, partial_name_new
from upload_center.names import name_is_suffixed, name_with_suffix
from upload_center.storage import PartCallback, storage_delete, storage_sink
from upload_center.uploads import Upload, UploadState

logger = logging.getLogger(__name__)

__all__ = [
    "Upload",
    "download_path",
    "file_begin",
    "file_delete",
    "file_replace",
    "files_settle",
    "uploads_discard",
]

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


# The reverse one-to-one relations by which another app's record holds a file as its own:
# sharing's SubmissionFile (a hand-in is the student's work, not the owner's to overwrite).
# A file's tus record is not one: it is the record of its upload, and goes with the row.
HELD_BY = ("submission",)


def file_replace(*, owner_id: int, name: str, replacement: str) -> StoredFile:
    """Give the file ``name`` the content of ``replacement``, its re-upload stored beside it
    under a suffixed name (``lecture.bin`` <- ``lecture_F9AHjPo.bin``), and drop that copy.

    The file keeps its row, so what points at it serves the new content: its /fm/download/
    path, its share links (with their counts and limits), LMS placements, its private
    switch, its download count (the copy's added). What pointed at the copy by a foreign key
    (a share link made of it meanwhile) points at the file from now on.

    Nothing moves in storage: in one transaction the row takes the copy's bytes where they
    are (``storage_name``), the copy's row goes and the old size is freed; the old bytes are
    removed after the commit. A failure before it leaves both files as they were; a failed
    removal leaves an orphan for reconcile_storage, never a row without bytes.

    Raises NotAReupload, FileNotFound (no such stored file of the owner's) or FileHeld.
    """
    if not name_is_suffixed(replacement, of=name):
        raise NotAReupload(f"{replacement} is not a re-upload of {name}, so it can't replace it.")
    with transaction.atomic():
        # Same lock as settling and deleting: used_storage changes once, and neither file
        # can be deleted or replaced by another request meanwhile.
        owner_locked(owner_id=owner_id)
        file, copy = (_replaceable(owner_id=owner_id, name=n) for n in (name, replacement))
        _references_move(source=copy, target=file)
        old_key = file.storage_key
        copy.delete()  # first: the key of its bytes is free for the file's row then
        StoredFile.objects.filter(pk=file.pk).update(
            storage_name=copy.bytes_name,
            size=copy.size,
            sha256=copy.sha256,
            created_at=copy.created_at,
            download_count=F("download_count") + copy.download_count,
        )
        User.objects.filter(pk=owner_id).update(used_storage=F("used_storage") - file.size)
        transaction.on_commit(lambda: _replaced_bytes_remove(old_key))
    file.refresh_from_db()
    return file


def _replaceable(*, owner_id: int, name: str) -> StoredFile:
    rows = StoredFile.objects.stored().select_for_update(of=("self",)).select_related("owner")
    row = rows.filter(owner_id=owner_id, name=name).first()
    if row is None:
        raise FileNotFound.named(name)
    held = StoredFile.objects.filter(pk=row.pk)
    if any(held.filter(**{f"{relation}__isnull": False}).exists() for relation in HELD_BY):
        raise FileHeld(f"{name} was handed in to a file request: a hand-in can't be replaced.")
    return row


def _replaced_bytes_remove(key: str) -> None:
    """After the Replace committed. A failure leaves the bytes as an orphan that
    reconcile_storage reports; the Replace stands."""
    try:
        storage_delete(key)
    except Exception:
        logger.exception("could not remove %s, replaced by a re-upload: an orphan now", key)


def _references_move(*, source: StoredFile, target: StoredFile) -> None:
    """Rows of other apps that point at ``source`` by a foreign key (share links, LMS
    placements) point at ``target``: found from the model, as upload_center imports none
    of them (hidden ones too: a placement's has no name on this side)."""
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if isinstance(relation, ManyToOneRel) and relation.one_to_many:  # a ForeignKey, not one to one
            name = relation.field.name
            QuerySet(model=relation.related_model).filter(**{name: source}).update(**{name: target})
