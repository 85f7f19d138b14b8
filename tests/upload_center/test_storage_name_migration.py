"""Migration 0004 (a stored file's bytes may keep another name, for Replace): files stored
before it keep their keys, code of before it can still store files, and no new row takes the
key of a replaced file's bytes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.helpers import migration_state
from upload_center.models import StoredFile


def targets_before() -> list[tuple[str, str]]:
    """Every app at its latest migration but upload_center, before 0004."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    leaves = MigrationLoader(connection).graph.leaf_nodes()
    return [
        *(node for node in leaves if node[0] != "upload_center"),
        ("upload_center", "0003_download_count_private"),
    ]


@pytest.mark.django_db(transaction=True)
def test_files_stored_before_keep_their_keys_and_old_code_still_inserts() -> None:
    old = migration_state(targets_before())
    tier = old.get_model("account", "Account").objects.create(
        title="Old", storage=10**6, max_file_transfer=10**6
    )
    owner = old.get_model("account", "User").objects.create(username="alice", account=tier)
    files = old.get_model("upload_center", "StoredFile").objects
    stored = files.create(owner=owner, name="syllabus.pdf", state="stored", size=1)

    migration_state()

    assert StoredFile.objects.get(pk=stored.pk).storage_key == "alice/syllabus.pdf"
    # A process still running the code of before (during a deploy) leaves the column out.
    during = files.create(owner=owner, name="notes.pdf", state="stored", size=1)
    assert StoredFile.objects.get(pk=during.pk).storage_key == "alice/notes.pdf"
    # Even so it cannot take a name whose bytes a replaced file holds: its upload is suffixed.
    StoredFile.objects.filter(pk=stored.pk).update(storage_name="syllabus_k3J9aQ2.pdf")
    assert StoredFile.objects.get(pk=stored.pk).storage_key == "alice/syllabus_k3J9aQ2.pdf"
    with pytest.raises(IntegrityError), transaction.atomic():
        files.create(owner=owner, name="syllabus_k3J9aQ2.pdf", state="pending")
