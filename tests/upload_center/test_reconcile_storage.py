"""reconcile_storage on a deliberately broken index, in a dry run and with --fix."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from upload_center.models import StoredFile


def reconcile(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile_storage", *args, stdout=out)
    return out.getvalue()


def put(key: str, data: bytes) -> None:
    assert default_storage.save(key, ContentFile(data)) == key


@pytest.fixture
def broken(make_user: Callable[..., Any]) -> dict[str, Any]:
    alice = make_user("alice")
    bob = make_user("bob")
    StoredFile.objects.create(owner=alice, name="kept.txt", size=5, state=StoredFile.State.STORED)
    put("alice/kept.txt", b"12345")
    # A stored row whose bytes are gone.
    StoredFile.objects.create(owner=alice, name="gone.txt", size=7, state=StoredFile.State.STORED)
    # Bytes that no row knows.
    put("alice/stray.bin", b"orphan")
    # An upload in progress: its partial bytes are not an orphan.
    StoredFile.objects.create(owner=alice, name="incoming.bin", size=0, state=StoredFile.State.PENDING)
    put("alice/incoming.bin", b"part")
    # Another part's temporary folder is not looked into.
    put(".tmp/scratch", b"temp")
    alice.used_storage = 100
    alice.save(update_fields=["used_storage"])
    StoredFile.objects.create(owner=bob, name="docs/b.txt", size=3, state=StoredFile.State.STORED)
    put("bob/docs/b.txt", b"abc")
    bob.used_storage = 3
    bob.save(update_fields=["used_storage"])
    return {"alice": alice, "bob": bob}


def test_a_dry_run_reports_every_fault_and_changes_nothing(broken: dict[str, Any]) -> None:
    out = reconcile()

    assert out.splitlines() == [
        "orphan: alice/stray.bin (would delete)",
        "missing: alice/gone.txt (would drop its row)",
        "used_storage: alice 100 -> 5 (would set)",
        "1 orphans, 1 missing, 1 wrong used_storage; run with --fix to repair",
    ]
    assert default_storage.exists("alice/stray.bin")
    assert StoredFile.objects.filter(name="gone.txt").exists()
    broken["alice"].refresh_from_db()
    assert broken["alice"].used_storage == 100


def test_fix_deletes_orphans_drops_missing_rows_and_sets_used_storage(broken: dict[str, Any]) -> None:
    out = reconcile("--fix")

    assert out.splitlines() == [
        "orphan: alice/stray.bin (deleted)",
        "missing: alice/gone.txt (dropped its row)",
        "used_storage: alice 100 -> 5 (set)",
        "1 orphans, 1 missing, 1 wrong used_storage",
    ]
    assert not default_storage.exists("alice/stray.bin")
    assert not StoredFile.objects.filter(name="gone.txt").exists()
    broken["alice"].refresh_from_db()
    assert broken["alice"].used_storage == 5
    # What was right is left alone.
    assert default_storage.open("alice/kept.txt").read() == b"12345"
    assert default_storage.exists("alice/incoming.bin")
    assert default_storage.exists(".tmp/scratch")
    assert default_storage.exists("bob/docs/b.txt")
    assert reconcile().splitlines() == ["0 orphans, 0 missing, 0 wrong used_storage"]


def test_a_user_without_files_gets_used_storage_zero(make_user: Callable[..., Any]) -> None:
    carol = make_user("carol")
    carol.used_storage = 42
    carol.save(update_fields=["used_storage"])

    reconcile("--fix")

    carol.refresh_from_db()
    assert carol.used_storage == 0
