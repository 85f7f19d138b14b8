"""Public download counts batched in a server's memory (upload_center.counting.DownloadCounts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from upload_center import counting
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db


def stored(make_user: Callable[..., Any], name: str) -> StoredFile:
    owner = (
        make_user(username="kian") if not StoredFile.objects.exists() else StoredFile.objects.first().owner
    )  # type: ignore[union-attr]
    return StoredFile.objects.create(owner=owner, name=name, size=1, sha256="0" * 64, state="stored")


def test_a_class_s_downloads_are_one_update_per_file_per_flush(make_user: Callable[..., Any]) -> None:
    lesson, slides = stored(make_user, "lesson.pdf"), stored(make_user, "slides.pdf")
    counts = counting.DownloadCounts()
    for _ in range(60):
        counts._pending[lesson.pk] += 1  # add() without its thread: the flush is called here
    counts._pending[slides.pk] += 2
    with CaptureQueriesContext(connection) as queries:
        counts.flush()
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2, updates
    lesson.refresh_from_db()
    slides.refresh_from_db()
    assert (lesson.download_count, slides.download_count) == (60, 2)
    with CaptureQueriesContext(connection) as queries:
        counts.flush()  # nothing new: no statement
    assert len(queries) == 0


def test_counts_not_written_are_kept_for_the_next_flush(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    lesson = stored(make_user, "lesson.pdf")
    counts = counting.DownloadCounts()
    counts._pending[lesson.pk] += 3

    def broken(**kwargs: Any) -> None:
        raise DatabaseError("the database is away")

    monkeypatch.setattr(counting, "file_download_count", broken)
    counts.flush()
    monkeypatch.undo()
    counts._pending[lesson.pk] += 1
    counts.flush()
    lesson.refresh_from_db()
    assert lesson.download_count == 4
