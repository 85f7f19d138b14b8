"""Writes of file requests: made, closed, and the files of a visit linked to its submission."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from account.models import Refusal, User
from sharing.errors import ShareRefused
from sharing.models import FileRequest, HandInUpload, Submission, SubmissionFile
from sharing.requests_selectors import handed_in
from tus import services as tus_services
from tus.errors import BadRequest, Refused
from tus.models import TusUpload
from upload_center.errors import InvalidFileName, NothingToStore
from upload_center.names import MAX_NAME_BYTES, name_check
from upload_center.services import file_begin, file_delete, files_settle, uploads_nonempty_check
from upload_center.storage import PartCallback
from upload_center.uploads import Upload, UploadState

# A title or an uploader's name is part of a stored name: no separators in it.
NAME_PART_FIXES = str.maketrans({"/": "-", "\\": "-"})


def extensions_normal(raw: str) -> str:
    """``".PDF, docx"`` -> ``"pdf docx"``: lower case, no dots, space-separated."""
    parts = raw.replace(",", " ").split()
    return " ".join(dict.fromkeys(part.lstrip(".").lower() for part in parts if part.lstrip(".")))


def file_request_create(
    *,
    owner: User,
    title: str,
    deadline: datetime,
    size_limit: int | None = None,
    extensions: str = "",
    instructions: str = "",
    total_size_limit: int | None = None,
    total_files_limit: int | None = None,
) -> FileRequest:
    """A new request; raises ShareRefused for a deadline that has passed."""
    if deadline <= timezone.now():
        raise ShareRefused("The deadline must be in the future.")
    return FileRequest.objects.create(
        owner=owner,
        title=title.strip(),
        deadline=deadline,
        size_limit=size_limit,
        extensions=extensions_normal(extensions),
        instructions=instructions.strip(),
        total_size_limit=total_size_limit,
        total_files_limit=total_files_limit,
    )


def file_requests_close(*, requests: QuerySet[FileRequest]) -> int:
    """Closes the open ones (a closed request keeps its first time); how many were."""
    return requests.filter(closed_at__isnull=True).update(closed_at=timezone.now())


def stored_name_for(*, file_request: FileRequest, uploader: str, sent_name: str) -> str:
    """``<title> - <uploader> - <file>``, so the owner's drive groups and tells apart
    whose file is whose; the title, then the name, are shortened to fit 255 bytes."""
    title = file_request.title.translate(NAME_PART_FIXES)
    person = uploader.translate(NAME_PART_FIXES)
    room = MAX_NAME_BYTES - len(sent_name.encode()) - len(b" -  - ")
    while len(title.encode()) + len(person.encode()) > room and title:
        title = title[:-1]
    while len(person.encode()) > room and person:
        person = person[:-1]
    try:
        return name_check(" - ".join(part for part in (title.strip(), person.strip(), sent_name) if part))
    except InvalidFileName:
        return sent_name  # no room left beside a very long name: it is stored as sent


def submission_file_begin(
    *, file_request: FileRequest, uploader: str, sent_name: str, on_part: PartCallback | None = None
) -> Upload:
    """The pending upload of one handed-in file into the owner's space: every way of
    handing in begins here. Private from its row's first write (CONTRACT section 7:
    a classmate who guesses the name gets 404 from /fm/download/). The upload keeps
    ``sent_name``, so answers show the student the name they sent, not the stored one."""
    name = stored_name_for(file_request=file_request, uploader=uploader, sent_name=sent_name)
    upload = file_begin(owner=file_request.owner, name=name, on_part=on_part, private=True)
    upload.sent_name = sent_name
    return upload


def submission_files_link(
    *, file_request: FileRequest, uploader: str, visit: str, uploads: list[Upload]
) -> list[SubmissionFile]:
    """Links the stored ones of ``uploads`` to the visit's submission under ``uploader``."""
    stored = [upload for upload in uploads if upload.state is UploadState.STORED]
    if not stored:
        return []
    submission = _submission(file_request=file_request, uploader=uploader, visit=visit)
    return SubmissionFile.objects.bulk_create(
        SubmissionFile(submission=submission, file=upload.row, original_name=upload.sent_name)
        for upload in stored
    )


def _submission(*, file_request: FileRequest, uploader: str, visit: str) -> Submission:
    try:
        # Two files of one visit settling at once: the unique constraint keeps one submission.
        with transaction.atomic():
            return Submission.objects.get_or_create(request=file_request, uploader=uploader, visit=visit)[0]
    except IntegrityError:
        return Submission.objects.get(request=file_request, uploader=uploader, visit=visit)


def hand_in_store(
    *, file_request: FileRequest, uploader: str, visit: str, name: str, chunks: Iterable[bytes]
) -> SubmissionFile:
    """Hands in one file from plain values (any app: the /r/ page streams through
    SubmissionUploadHandler, an LMS launch may call this), with the request's and the
    owner's limits; raises UploadError (its text for the student) when refused."""
    upload = submission_file_begin(file_request=file_request, uploader=uploader, sent_name=name)
    try:
        for chunk in chunks:
            upload.write(chunk)
        upload.finish()
    except BaseException:
        upload.discard()
        raise
    uploads_nonempty_check([upload])
    text = file_request.hand_in_refusal(
        size=upload.size,
        by_uploader=handed_in(file_request=file_request, visit=visit),
        by_all=handed_in(file_request=file_request),
    )
    if text is not None:
        upload.refuse(Refusal("too_large", text))
    else:
        files_settle(owner_id=file_request.owner_id, uploads=[upload])
    if upload.error is not None:
        raise upload.error
    return submission_files_link(file_request=file_request, uploader=uploader, visit=visit, uploads=[upload])[
        0
    ]


def hand_in_tus_begin(
    *, file_request: FileRequest, uploader: str, visit: str, sent_name: str, length: int, filetype: str
) -> TusUpload:
    """A resumable hand-in: the tus upload of one file into the owner's space, reserved on
    the owner's quota and counted against the request's limits until it completes."""
    if not file_request.extension_allowed(sent_name):
        raise BadRequest(file_request.extension_refusal())
    if length == 0:
        raise BadRequest(NothingToStore.empty_files([sent_name]).args[0])
    with transaction.atomic():
        # Two hand-ins starting at once are judged one after the other against the limits.
        FileRequest.objects.select_for_update().filter(pk=file_request.pk).first()
        text = file_request.hand_in_refusal(
            size=length,
            by_uploader=handed_in(file_request=file_request, visit=visit),
            by_all=handed_in(file_request=file_request),
        )
        if text is not None:
            raise Refused(text)
        upload = tus_services.upload_begin(
            owner=file_request.owner,
            name=stored_name_for(file_request=file_request, uploader=uploader, sent_name=sent_name),
            length=length,
            filetype=filetype,
            private=True,  # as every hand-in (submission_file_begin)
            sent_name=sent_name,
        )
        submission = _submission(file_request=file_request, uploader=uploader, visit=visit)
        HandInUpload.objects.create(upload=upload, submission=submission, sent_name=sent_name)
    return upload


def hand_in_tus_link(*, hand_in: HandInUpload) -> SubmissionFile | None:
    """The submission file of a completed tus hand-in (made once, on its last PATCH or a
    later HEAD); None while bytes are missing."""
    if not hand_in.upload.finished:
        return None
    row, _ = SubmissionFile.objects.get_or_create(
        file_id=hand_in.upload.file_id,
        defaults={"submission": hand_in.submission, "original_name": hand_in.sent_name},
    )
    return row


def hand_in_remove(*, file_request: FileRequest, row: SubmissionFile) -> None:
    """Its sender takes a handed-in file back (to remove or replace it) until the deadline."""
    if file_request.state() != FileRequest.State.OPEN:
        raise ShareRefused("The deadline has passed: hand-ins can no longer change.")
    file_delete(owner=file_request.owner, name=row.file.name)
