"""Reads of file requests: by token for the public page, by owner for the API."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from account.models import User
from sharing.models import FileRequest, HandInUpload, Submission, SubmissionFile
from upload_center.models import StoredFile


def request_by_token(*, token: str, closed_too: bool = False) -> FileRequest | None:
    """The request a /r/ token names unless its owner closed it; None for an unknown one
    (both answer the same 404). One past its deadline is returned: its page says so.
    ``closed_too``: a closed one as well (its receipts stay verifiable)."""
    rows = FileRequest.objects.select_related("owner__account").filter(token=token)
    return (rows if closed_too else rows.filter(closed_at=None)).first()


def owned_requests(*, owner: User) -> QuerySet[FileRequest]:
    """The owner's requests, newest first, with how many people and files handed in."""
    return FileRequest.objects.filter(owner=owner).annotate(
        # A submission whose files the owner all deleted no longer counts.
        submission_count=Count("submissions", filter=Q(submissions__files__isnull=False), distinct=True),
        file_count=Count("submissions__files", distinct=True),
    )


def owned_request(*, owner: User, request_id: int) -> FileRequest | None:
    return owned_requests(owner=owner).filter(pk=request_id).first()


def _files() -> QuerySet[SubmissionFile]:
    stored = SubmissionFile.objects.filter(file__state=StoredFile.State.STORED)
    return stored.select_related("file__owner")


def request_submissions(*, file_request: FileRequest) -> QuerySet[Submission]:
    """Each uploader's submission that still has files, oldest first, with its stored files,
    each with ``late``: handed in after the deadline (a deadline moved later clears it)."""
    rows = Submission.objects.filter(request=file_request, files__isnull=False).distinct()
    late = ExpressionWrapper(Q(created_at__gt=F("submission__request__deadline")), BooleanField())
    return rows.prefetch_related(Prefetch("files", _files().annotate(late=late)))


def request_files(*, file_request: FileRequest) -> QuerySet[SubmissionFile]:
    """Every handed-in file of the request, by uploader then time (the ZIP's order)."""
    rows = _files().filter(submission__request=file_request).select_related("submission")
    return rows.order_by("submission__uploader", "submission__pk", "created_at", "pk")


def visit_files(*, file_request: FileRequest, visit: str) -> QuerySet[SubmissionFile]:
    """What this visit (one browser) handed in: all an uploader ever sees."""
    rows = _files().filter(submission__request=file_request, submission__visit=visit)
    return rows.select_related("submission__request").order_by("created_at", "pk")


def handed_in(*, file_request: FileRequest, visit: str | None = None) -> tuple[int, int]:
    """(bytes, files) handed in to the request, or by one visit: stored ones and those
    still on their way through tus (their full length), as every limit counts them."""
    stored = _files().filter(submission__request=file_request)
    # Expired ones no longer hold anything, even before cleanup removes them.
    coming = HandInUpload.objects.filter(
        submission__request=file_request,
        upload__finished=False,
        upload__file__state=StoredFile.State.PENDING,
        upload__expires_at__gt=timezone.now(),
    )
    if visit is not None:
        stored, coming = stored.filter(submission__visit=visit), coming.filter(submission__visit=visit)
    done = stored.aggregate(size=Coalesce(Sum("file__size"), 0), count=Count("pk"))
    going = coming.aggregate(size=Coalesce(Sum("upload__length"), 0), count=Count("pk"))
    return int(done["size"]) + int(going["size"]), int(done["count"]) + int(going["count"])


def visit_file(
    *, file_request: FileRequest, file_id: int, visit: str | None, receipt: str | None
) -> SubmissionFile | None:
    """A handed-in file its sender may change: by the same browser (visit) or its receipt."""
    rows = _files().select_related("submission").filter(submission__request=file_request, pk=file_id)
    if receipt:
        return rows.filter(submission__receipt=receipt).first()
    return rows.filter(submission__visit=visit).first() if visit else None


def receipt_submission(*, file_request: FileRequest, receipt: str) -> Submission | None:
    """The submission a receipt names, with its stored files."""
    rows = Submission.objects.filter(request=file_request, receipt=receipt)
    return rows.prefetch_related(Prefetch("files", _files())).first()


def hand_in_upload(*, file_request: FileRequest, upload_id: str, visit: str | None) -> HandInUpload | None:
    """A tus hand-in of this request started by this browser (its id alone is not enough)."""
    if not visit:
        return None
    rows = HandInUpload.objects.select_related("submission", "upload")
    return rows.filter(submission__request=file_request, submission__visit=visit, upload_id=upload_id).first()
