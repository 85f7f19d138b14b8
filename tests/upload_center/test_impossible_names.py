"""Names no file can have (a NUL byte, a separator) are answered as missing files.

PostgreSQL refuses a NUL byte in a query parameter: looked up as sent, such a name
was a 500 (found by schema fuzzing on ``POST /files.delete``). Both test passes
run these; the 500 shows only on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from account.models import User

NAMES = ["a\x00b.txt", "x/y.txt", "\x00"]


@pytest.fixture
def kian(make_user: Callable[..., Any]) -> User:
    user: User = make_user("kian")
    return user


@pytest.mark.parametrize("name", NAMES)
def test_the_manager_answers_404_for_an_impossible_name(kian: User, name: str) -> None:
    client = APIClient()
    client.force_authenticate(kian)
    answer = client.delete("/fm/manager/", {"file_name": name}, format="json")
    assert (answer.status_code, answer.json()) == (404, {"detail": f"{name} hasn't existed!"})


@pytest.mark.parametrize("name", NAMES)
def test_the_drive_answers_not_found_for_an_impossible_key(kian: User, name: str) -> None:
    client = APIClient()
    client.force_authenticate(kian)
    answer = client.post("/files.delete", {"key": name}, format="json")
    assert answer.status_code == 404
    assert answer.json()["status"] == "not_found"
    assert answer.json()["message"] == f"{name} hasn't existed!"


@pytest.mark.parametrize("path", ["/fm/download/kian/a%00b.txt", "/fm/download/ki%00an/a.txt"])
def test_a_download_of_an_impossible_path_is_404(kian: User, path: str) -> None:
    assert Client().get(path).status_code == 404


@pytest.mark.parametrize("file_name", [[None, None], {"a": 1}, 7])
def test_the_manager_answers_400_for_a_file_name_that_is_not_text(kian: User, file_name: object) -> None:
    client = APIClient()
    client.force_authenticate(kian)
    answer = client.delete("/fm/manager/", {"file_name": file_name}, format="json")
    assert (answer.status_code, answer.json()) == (400, {"detail": "file_name is required."})
