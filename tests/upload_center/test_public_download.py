"""The public download does only what a download needs: one lookup of the file
index, no session or user, and under ASGI a small file sent without a thread hop
of its own (its first chunk is read in the view's thread, nothing after its last)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from account.models import User
from tests.upload_center.helpers import CONTENT_TYPE, multipart

CONTENT = bytes(range(256)) * 40


@pytest.fixture
def owner(make_user: Callable[..., User], db: None) -> User:
    user = make_user(username="kian", password="ak18-secret")
    api = APIClient()
    api.force_authenticate(user)
    assert (
        api.generic(
            "PUT", "/fm/upload/", multipart([("lesson.pdf", CONTENT)]), content_type=CONTENT_TYPE
        ).status_code
        == 200
    )
    return user


@pytest.mark.parametrize("logged_in", [False, True])
def test_a_download_is_one_lookup_and_one_count_and_never_reads_or_sets_a_session(
    owner: User, logged_in: bool
) -> None:
    client = Client()
    if logged_in:  # a teacher's browser carries a session cookie: it is not even looked up
        client.force_login(owner)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/fm/download/kian/lesson.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT  # type: ignore[attr-defined]
    statements = [q["sql"] for q in queries]
    # The lookup, then the download count's one UPDATE (sharing's download counts).
    assert len(statements) == 2, statements
    assert statements[0].startswith("SELECT") and statements[1].startswith("UPDATE"), statements
    assert "download_count" in statements[1]
    assert not any("django_session" in sql or "authtoken" in sql for sql in statements)
    assert "sessionid" not in response.cookies and "Cookie" not in response.get("Vary", "")


def test_a_missing_file_is_one_query_too(owner: User) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/fm/download/kian/other.pdf")
    assert (response.status_code, len(queries)) == (404, 1)


def test_another_method_is_405_not_a_csrf_403(owner: User) -> None:
    response = Client(enforce_csrf_checks=True).post("/fm/download/kian/lesson.pdf")
    assert response.status_code == 405
