"""cleanup_uploads: cut-off uploads on any storage, stray multipart uploads on S3 (moto's server)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from upload_center.maintenance import uploads_cleanup
from upload_center.models import StoredFile
from upload_center.storage import s3_client


def cleanup(*args: str) -> str:
    out = io.StringIO()
    call_command("cleanup_uploads", *args, stdout=out)
    return out.getvalue()


def pending(owner: Any, name: str, *, age: timedelta, upload_id: str = "") -> StoredFile:
    return StoredFile.objects.create(
        owner=owner,
        name=name,
        state=StoredFile.State.PENDING,
        s3_upload_id=upload_id,
        created_at=timezone.now() - age,
    )


def test_it_removes_old_pending_uploads_with_their_partial_bytes(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    old = pending(alice, "old.bin", age=timedelta(hours=2))
    default_storage.save("alice/old.bin", ContentFile(b"partial"))
    pending(alice, "young.bin", age=timedelta(minutes=5))
    default_storage.save("alice/young.bin", ContentFile(b"still coming"))
    StoredFile.objects.create(
        owner=alice,
        name="done.txt",
        size=4,
        state=StoredFile.State.STORED,
        created_at=timezone.now() - timedelta(days=9),
    )
    default_storage.save("alice/done.txt", ContentFile(b"done"))

    out = cleanup()

    assert out.splitlines()[0] == "removed cut-off upload: alice/old.bin"
    assert not StoredFile.objects.filter(id=old.id).exists()
    assert not default_storage.exists("alice/old.bin")
    assert sorted(StoredFile.objects.values_list("name", flat=True)) == ["done.txt", "young.bin"]
    assert default_storage.exists("alice/young.bin")
    assert default_storage.exists("alice/done.txt")


def test_older_than_sets_the_age_of_a_cut_off_upload(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    pending(alice, "two-hours.bin", age=timedelta(hours=2))

    assert cleanup("--older-than", "180").splitlines() == ["0 cut-off uploads, 0 stray multipart uploads"]
    assert StoredFile.objects.filter(name="two-hours.bin").exists()
    assert cleanup("--older-than", "90").splitlines()[-1] == "1 cut-off uploads, 0 stray multipart uploads"
    assert not StoredFile.objects.exists()


def start_multipart(key: str) -> str:
    client = s3_client()
    upload_id = client.create_multipart_upload(Bucket=settings.S3_BUCKET, Key=key)["UploadId"]
    client.upload_part(Bucket=settings.S3_BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)
    return upload_id


def open_multipart_ids() -> set[str]:
    uploads = s3_client().list_multipart_uploads(Bucket=settings.S3_BUCKET).get("Uploads", [])
    return {upload["UploadId"] for upload in uploads}


@pytest.mark.s3
def test_it_aborts_the_multipart_upload_of_an_old_pending_row(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    old_id = start_multipart("alice/old.bin")
    old = pending(alice, "old.bin", age=timedelta(hours=2), upload_id=old_id)
    young_id = start_multipart("alice/young.bin")
    pending(alice, "young.bin", age=timedelta(minutes=1), upload_id=young_id)

    out = cleanup()

    assert out.splitlines() == [
        "removed cut-off upload: alice/old.bin",
        "1 cut-off uploads, 0 stray multipart uploads",
    ]
    assert open_multipart_ids() == {young_id}
    assert not StoredFile.objects.filter(id=old.id).exists()
    assert StoredFile.objects.filter(s3_upload_id=young_id).exists()


@pytest.mark.s3
def test_it_aborts_old_multipart_uploads_that_no_pending_row_owns(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    start_multipart("alice/stray.bin")
    owned_id = start_multipart("alice/owned.bin")
    # Two hours from now both uploads are old, but this row is then still young.
    later = timezone.now() + timedelta(hours=2)
    StoredFile.objects.create(
        owner=alice,
        name="owned.bin",
        state=StoredFile.State.PENDING,
        s3_upload_id=owned_id,
        created_at=later - timedelta(minutes=10),
    )

    report = uploads_cleanup(older_than=timedelta(hours=1), now=later)

    assert report.stale_rows == []
    assert report.aborted_uploads == ["alice/stray.bin"]
    assert open_multipart_ids() == {owned_id}


@pytest.mark.s3
def test_multipart_uploads_younger_than_the_threshold_are_left_alone(db: None) -> None:
    upload_id = start_multipart("nobody/fresh.bin")
    initiated = s3_client().list_multipart_uploads(Bucket=settings.S3_BUCKET)["Uploads"][0]["Initiated"]

    # moto reports one fixed Initiated date for every upload, so "now" is placed just after it.
    report = uploads_cleanup(older_than=timedelta(hours=1), now=initiated + timedelta(minutes=30))

    assert report.aborted_uploads == []
    assert open_multipart_ids() == {upload_id}
    report = uploads_cleanup(older_than=timedelta(hours=1), now=initiated + timedelta(minutes=90))
    assert report.aborted_uploads == ["nobody/fresh.bin"]
