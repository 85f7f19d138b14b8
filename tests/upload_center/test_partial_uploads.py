"""The maintenance commands and an upload's own hidden file (``<username>/.upload-...``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from upload_center.models import StoredFile, partial_name_new


def command(*args: str) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_reconcile_leaves_the_partial_file_of_an_upload_in_progress(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    row = StoredFile.objects.create(owner=alice, name="incoming.bin", partial_name=partial_name_new())
    default_storage.save(row.partial_key, ContentFile(b"half"))
    leftover = f"alice/{partial_name_new()}"  # no upload owns it any more
    default_storage.save(leftover, ContentFile(b"lost"))

    assert command("reconcile_storage", "--fix") == [
        f"orphan: {leftover} (deleted)",
        "1 orphans, 0 missing, 0 wrong used_storage",
    ]
    assert default_storage.exists(row.partial_key)
    assert not default_storage.exists(leftover)


def test_cleanup_removes_the_partial_file_and_never_the_name(make_user: Callable[..., Any]) -> None:
    alice = make_user("alice")
    row = StoredFile.objects.create(
        owner=alice,
        name="report.pdf",
        partial_name=partial_name_new(),
        created_at=timezone.now() - timedelta(hours=2),
    )
    default_storage.save(row.partial_key, ContentFile(b"half a report"))
    # Bytes at the name that this upload did not write (it writes to its partial file).
    default_storage.save("alice/report.pdf", ContentFile(b"not this upload's"))

    assert command("cleanup_uploads") == [
        "removed cut-off upload: alice/report.pdf",
        "1 cut-off uploads, 0 stray multipart uploads",
    ]
    assert not StoredFile.objects.exists()
    assert not default_storage.exists(row.partial_key)
    assert default_storage.open("alice/report.pdf").read() == b"not this upload's"
