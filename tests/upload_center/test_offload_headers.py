"""DOWNLOAD_OFFLOAD=nginx answers with django-sendfile2's headers, in its order, and the
project's own after them (upload_center/offload.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils.http import content_disposition_header, http_date
from django_sendfile import sendfile

from account.models import User
from tests.upload_center.helpers import CONTENT, TRICKY, store
from upload_center.errors import FileNotFound
from upload_center.offload import offloaded

NAMES = ["lesson.pdf", TRICKY, "notes.tar.gz", 'say "hi".txt', "no-extension", "résumé.docx"]


@pytest.fixture
def nginx_offload(local_disk: None, settings: Any, upload_root: Path) -> None:
    settings.DOWNLOAD_OFFLOAD = "nginx"
    settings.SENDFILE_ROOT = str(upload_root)
    settings.SENDFILE_URL = "/_protected/"


def library_answer(key: str, name: str) -> list[tuple[str, str]]:
    """django-sendfile2's answer with the headers the offload adds after it."""
    request = RequestFactory().get("/")
    response = sendfile(request, key, content_length=0, mimetype="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return list(response.items())


@pytest.mark.usefixtures("nginx_offload")
@pytest.mark.parametrize("name", NAMES)
def test_the_offloaded_answer_has_the_librarys_headers_in_its_order(
    name: str, make_user: Callable[..., User], db: None
) -> None:
    row = store(make_user(username="kian"), name, CONTENT[:10])
    for _ in range(2):  # found, then from the cache
        answer = offloaded(RequestFactory().get("/"), row)
        assert answer is not None
        headers = list(answer.items())
        # The library's Content-Type is guessed from the name as the offload's own.
        expected = dict(library_answer(row.storage_key, row.name))
        expected["Content-Type"] = answer["Content-Type"]
        assert headers[: len(expected)] == list(expected.items())
        assert headers[len(expected) :] == [
            ("ETag", row.etag),
            ("Last-Modified", http_date(row.created_at.timestamp())),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "sandbox"),
        ]


@pytest.mark.usefixtures("nginx_offload")
def test_bytes_gone_after_the_first_answer_are_still_a_missing_file(
    make_user: Callable[..., User], db: None, upload_root: Path
) -> None:
    row = store(make_user(username="kian"), "lesson.pdf", CONTENT[:10])
    assert offloaded(RequestFactory().get("/"), row) is not None
    (upload_root / row.storage_key).unlink()
    with pytest.raises(FileNotFound):
        offloaded(RequestFactory().get("/"), row)
