"""Writes of file requests: made, closed, and the files of a visit linked to its submission."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from account.models import User
from sharing.errors import ShareRefused
from sharing.models import FileRequest, Submission, SubmissionFile
from upload_center.errors import InvalidFileName
from upload_center.names import MAX_NAME_BYTES, name_check
from upload_center.services import file_begin
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
