"""Reads of file requests: by token for the public page, by owner for the API."""

from __future__ import annotations

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from account.models import User
from sharing.models import FileRequest, Submission, SubmissionFile
from upload_center.models import StoredFile


def request_by_token(*, token: str) -> FileRequest | None:
    """The request a /r/ token names unless its owner closed it; None for an unknown one
    (both answer the same 404). One past its deadline is returned: its page says so."""
    return FileRequest.objects.select_related("owner__account").filter(token=token, closed_at=None).first()


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
    return rows.select_related("submission").order_by("created_at", "pk")


def visit_bytes(*, file_request: FileRequest, visit: str) -> int:
    """Bytes this visit handed in so far, counted against the request's size limit."""
    rows = visit_files(file_request=file_request, visit=visit)
    return int(rows.aggregate(total=Coalesce(Sum("file__size"), 0))["total"])
