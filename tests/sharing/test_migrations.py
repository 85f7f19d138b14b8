"""Hand-ins stored before they became private are made private (sharing migration 0003)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.helpers import migration_state
from upload_center.models import StoredFile

BEFORE = [("sharing", "0002_file_requests")]


@pytest.mark.django_db(transaction=True)
def test_submissions_stored_before_become_private_and_other_files_stay_public() -> None:
    old = migration_state(BEFORE)
    tier = old.get_model("account", "Account").objects.create(
        title="Old", storage=10**6, max_file_transfer=10**6
    )
    owner = old.get_model("account", "User").objects.create(username="alice", account=tier)
    files = old.get_model("upload_center", "StoredFile").objects
    handed_in = files.create(owner=owner, name="Essay - Sara - a.pdf", state="stored", size=1)
    own = files.create(owner=owner, name="syllabus.pdf", state="stored", size=1)
    request = old.get_model("sharing", "FileRequest").objects.create(
        owner=owner, title="Essay", deadline=timezone.now()
    )
    submission = old.get_model("sharing", "Submission").objects.create(
        request=request, uploader="Sara", visit="v"
    )
    old.get_model("sharing", "SubmissionFile").objects.create(
        submission=submission, file=handed_in, original_name="a.pdf"
    )

    migration_state()

    assert StoredFile.objects.get(pk=handed_in.pk).private is True
    assert StoredFile.objects.get(pk=own.pk).private is False
