"""Hand-ins stored before they became private are made private (sharing migration 0003)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from upload_center.models import StoredFile

BEFORE = [("sharing", "0002_file_requests")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_submissions_stored_before_become_private_and_other_files_stay_public() -> None:
    old = _migrate(BEFORE)
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

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert StoredFile.objects.get(pk=handed_in.pk).private is True
    assert StoredFile.objects.get(pk=own.pk).private is False
