"""Answered download paths reach their file over real HTTP, whatever the name (CONTRACT section 2)."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests

from account.models import User
from tests.helpers import ServerProcess
from tests.upload_center.helpers import CONTENT_TYPE, multipart

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = {
    "a?b.txt": "/fm/download/kian/a%3Fb.txt",
    "50%.txt": "/fm/download/kian/50%25.txt",
    "c#d.txt": "/fm/download/kian/c%23d.txt",
    "x%3F.txt": "/fm/download/kian/x%253F.txt",  # a name that looks encoded stays itself
}
READABLE = {"نمره ۱۰۰ 🎓.txt": "/fm/download/kian/نمره ۱۰۰ 🎓.txt"}


def get_as_given(server: ServerProcess, path: str) -> tuple[int, bytes]:
    """GET with the path byte for byte: no client re-encodes or cuts it at ? or #."""
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def server(start_server: Callable[..., ServerProcess]) -> ServerProcess:
    return start_server()


def test_percent_question_mark_and_hash_are_encoded_and_each_link_reaches_its_file(
    server: ServerProcess, make_user: Callable[..., User]
) -> None:
    make_user(username="kian", password="ak18-secret")
    token = server.post("/fm/login/", data={"username": "kian", "password": "ak18-secret"}).json()["token"]
    files = [(name, f"bytes of {name}".encode()) for name in [*NAMES, *READABLE]]
    answer = requests.put(
        server.url + "/fm/upload/",
        data=multipart(files),
        headers={"Content-Type": CONTENT_TYPE, "Authorization": f"Token {token}"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.json() == {**NAMES, **READABLE}

    for name, path in NAMES.items():
        assert get_as_given(server, path) == (200, f"bytes of {name}".encode())
    # Spaces and non-ASCII are percent-encoded by any HTTP client (as a browser
    # does with a pasted link); the answered path keeps them readable.
    for name, path in READABLE.items():
        response = requests.get(server.url + path, timeout=30)
        assert (response.status_code, response.content) == (200, f"bytes of {name}".encode())
