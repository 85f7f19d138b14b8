"""The renames of issue 11 keep every row's values (cloud_export migration 0002)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cloud_export.models import ExportRequest

BEFORE = [("cloud_export", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_renamed_fields_keep_their_values() -> None:
    old = _migrate(BEFORE)
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

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    migrated = ExportRequest.objects.get(pk=export.pk)
    assert (migrated.oauth_state, migrated.folder_name) == ("oauth-secret-1", "Wedding")
    assert migrated.job.export_request_id == export.pk
