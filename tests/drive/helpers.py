"""Helpers of the drive's tests: sizes and an upload through the test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

MiB = 1048576


def upload(
    client: Client, name: str, data: bytes, upload_id: str = "6f1f3c2e-8a4b-4c59-9f0e-0d6a1c2b3e4f"
) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/files.upload",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        headers={"X-Upload-Id": upload_id},
    )


def hand_ins(owner: Any, client: Client) -> Any:
    """A past-deadline request "Essay 7B" with Anna's two files, one of them late, as if
    handed in through /r/ (the rows the /r/ upload writes); the owner's own file beside."""
    from sharing.models import FileRequest, Submission, SubmissionFile
    from upload_center.models import StoredFile

    now = timezone.now()
    essay = FileRequest.objects.create(owner=owner, title="Essay 7B", deadline=now - timedelta(hours=1))
    anna = Submission.objects.create(request=essay, uploader="Anna König", visit="v1")
    for name, when in [("essay-anna.pdf", now - timedelta(hours=2)), ("appendix.pdf", now)]:
        stored = f"Essay 7B - Anna König - {name}"
        assert upload(client, stored, b"%PDF " + name.encode()).status_code == 200
        row = StoredFile.objects.get(owner=owner, name=stored)
        SubmissionFile.objects.create(submission=anna, file=row, original_name=name, created_at=when)
    assert upload(client, "worksheet.pdf", b"%PDF worksheet").status_code == 200
    return essay
