"""The drive's settle of one received file, without HTTP: refusals come typed, never as compared texts."""

from __future__ import annotations

from typing import Any

import pytest

from account.models import NOT_ENOUGH_SPACE, Refusal, User
from drive import services
from tests.drive.conftest import MiB
from upload_center import services as upload_services
from upload_center.errors import NothingToStore, QuotaRefused
from upload_center.models import StoredFile
from upload_center.uploads import Upload

pytestmark = pytest.mark.django_db
UPLOAD_ID = "6f1f3c2e-8a4b-4c59-9f0e-0d6a1c2b3e4f"


def received(owner: User, name: str, data: bytes) -> Upload:
    upload = upload_services.file_begin(owner=owner, name=name)
    upload.write(data)
    upload.finish()
    return upload


def test_a_file_refused_while_streaming_raises_its_refusal(drive_user: Any) -> None:
    upload = upload_services.file_begin(owner=drive_user, name="big.bin")
    upload.refuse(Refusal.too_large(drive_user.account))

    with pytest.raises(QuotaRefused) as refused:
        services.file_settle(owner=drive_user, upload=upload, upload_id=UPLOAD_ID)

    assert refused.value.refusal.kind == "too_large"
    assert not StoredFile.objects.exists()


def test_a_file_over_the_space_left_raises_a_no_space_refusal(drive_user: Any) -> None:
    User.objects.filter(pk=drive_user.pk).update(used_storage=40 * MiB - 1)
    upload = received(drive_user, "b.bin", b"bb")

    with pytest.raises(QuotaRefused) as refused:
        services.file_settle(owner=drive_user, upload=upload, upload_id=UPLOAD_ID)

    assert (refused.value.refusal.kind, str(refused.value)) == ("no_space", NOT_ENOUGH_SPACE)
    assert not StoredFile.objects.exists()


def test_an_empty_file_is_refused_and_leaves_nothing(drive_user: Any) -> None:
    upload = received(drive_user, "empty.txt", b"")

    with pytest.raises(NothingToStore, match="^Empty files can't be uploaded: empty.txt.$"):
        services.file_settle(owner=drive_user, upload=upload, upload_id=UPLOAD_ID)

    assert not StoredFile.objects.exists()


def test_a_file_that_fits_is_stored_and_charged(drive_user: Any) -> None:
    row = services.file_settle(
        owner=drive_user, upload=received(drive_user, "a.txt", b"abc"), upload_id=UPLOAD_ID
    )

    assert (row.name, row.size, row.state) == ("a.txt", 3, StoredFile.State.STORED)
    drive_user.refresh_from_db()
    assert drive_user.used_storage == 3
