"""The renames of issue 11 keep every row's values (cloud_export migration 0002)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cloud_export.models import ExportRequest
from tests.helpers import migration_state

BEFORE = [("cloud_export", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_the_renamed_fields_keep_their_values() -> None:
    old = migration_state(BEFORE)
    export = old.get_model("cloud_export", "ExportRequest").objects.create(
        cloud_type="yadisk",
        archive_type="webs",
        gallery_name="Wedding",
        redirect_success_link="https://gallery.example/ok",
        redirect_fail_link="https://gallery.example/fail",
        start_token="start-1",
        state="oauth-secret-1",
        expires_at=timezone.now(),
    )
    old.get_model("cloud_export", "ExportJob").objects.create(request=export, access_token_encrypted="x")

    migration_state()

    migrated = ExportRequest.objects.get(pk=export.pk)
    assert (migrated.oauth_state, migrated.folder_name) == ("oauth-secret-1", "Wedding")
    assert migrated.job.export_request_id == export.pk
