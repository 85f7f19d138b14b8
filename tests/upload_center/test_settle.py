"""Settling: bytes reach their names only with their stored rows, and a failure takes all back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from account.models import User
from tests.upload_center.helpers import CONTENT_TYPE, multipart
from upload_center.models import StoredFile
from upload_center.storage import LocalSink, S3Sink, storage_exists, storage_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def kian(make_user: Callable[..., User]) -> User:
    return make_user(username="kian", password="ak18-secret")


@pytest.fixture
def api(kian: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(kian)
    return client


def put(api: APIClient, files: list[tuple[str, bytes]]) -> Any:
    return api.generic("PUT", "/fm/upload/", multipart(files), content_type=CONTENT_TYPE)


def test_stored_bytes_are_at_the_name_and_no_partial_file_is_left(
    api: APIClient, kian: User, upload_root: Path
) -> None:
    response = put(api, [("notes.txt", b"first notes")])

    assert response.json() == {"notes.txt": "/fm/download/kian/notes.txt"}
    assert b"".join(storage_read("kian/notes.txt")) == b"first notes"
    row = StoredFile.objects.get()
    assert row.partial_name.startswith(".upload-")
    assert not storage_exists(row.partial_key)
    if not (upload_root / "kian").exists():  # S3: nothing on disk at all
        return
    assert sorted(p.name for p in (upload_root / "kian").iterdir()) == ["notes.txt"]


def test_a_refused_file_leaves_nothing_and_the_stored_one_is_kept(api: APIClient, kian: User) -> None:
    # 10 MiB of space: the 3 MiB files fit, the 4 MiB one does not once they are in.
    sizes = {"a.bin": 3, "b.bin": 3, "c.bin": 3, "d.bin": 4}
    response = put(api, [(name, b"x" * mb * 1048576) for name, mb in sizes.items()])

    assert response.json()["d.bin"] == "You don't have enough space to upload this file!"
    assert not storage_exists("kian/d.bin")
    assert sorted(StoredFile.objects.values_list("name", flat=True)) == ["a.bin", "b.bin", "c.bin"]
    kian.refresh_from_db()
    assert kian.used_storage == 9 * 1048576


def test_a_storage_failure_while_settling_removes_every_file_of_the_request(
    api: APIClient, kian: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits: list[str] = []

    def failing_second(original: Callable[[Any], None]) -> Callable[[Any], None]:
        def commit(sink: Any) -> None:
            commits.append(sink.path.name if isinstance(sink, LocalSink) else sink.key)
            if len(commits) == 2:
                raise OSError(28, "No space left on device")
            original(sink)

        return commit

    monkeypatch.setattr(LocalSink, "_commit", failing_second(LocalSink._commit))
    monkeypatch.setattr(S3Sink, "_commit", failing_second(S3Sink._commit))

    response = put(api, [("one.txt", b"1"), ("two.txt", b"22")])

    assert response.status_code == 503
    assert response.json() == {"detail": "Storage is unavailable, nothing was stored; please try again."}
    assert len(commits) == 2  # the first file reached its name before the second failed
    assert not storage_exists("kian/one.txt")
    assert not storage_exists("kian/two.txt")
    assert not StoredFile.objects.exists()
    kian.refresh_from_db()
    assert kian.used_storage == 0
