"""Bodies sent with ``Transfer-Encoding: chunked`` (no Content-Length), by a real
curl against the README's server (uvicorn) and a WSGI server (gunicorn): read and
stored like any other body, under the same limits (CONTRACT section 2).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from account.models import Account, User
from tests.drive.clients import frames_until_finish, open_socket, session_cookie
from tests.helpers import ServerProcess
from tests.upload_center.helpers import curl, nothing_stored
from upload_center.models import StoredFile

MiB = 1048576
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    tier = Account.objects.create(title="Chunked", storage=64 * MiB, max_file_transfer=8 * MiB)
    return make_user(username="chunky", password="chunky-secret-1", account=tier)


@pytest.fixture
def token(user: User) -> str:
    return Token.objects.create(user=user).key


@pytest.fixture
def files(tmp_path: Path) -> Callable[[str, int], Path]:
    def make(name: str, size: int) -> Path:
        path = tmp_path / "sent" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        return path

    return make


def fm_upload(url: str, token: str, *paths: Path) -> tuple[int, dict[str, Any]]:
    fields = [arg for path in paths for arg in ("-F", f"file_field=@{path}")]
    return curl(f"{url}/fm/upload/", "-X", "PUT", "-H", f"Authorization: Token {token}", *fields)


def test_a_chunked_upload_is_stored_and_downloads_byte_identical(
    start_server: Callable[..., ServerProcess], token: str, user: User, files: Callable[[str, int], Path]
) -> None:
    server = start_server()
    small, big = files("h.txt", 1234), files("lecture.bin", 6 * MiB + 17)

    status, answer = fm_upload(server.url, token, small, big)

    assert status == 200, answer
    assert answer == {"h.txt": "/fm/download/chunky/h.txt", "lecture.bin": "/fm/download/chunky/lecture.bin"}
    for path in (small, big):
        assert server.get(answer[path.name]).content == path.read_bytes()
    user.refresh_from_db()
    assert user.used_storage == 1234 + 6 * MiB + 17


def test_a_chunked_upload_keeps_the_tier_limit_per_file(
    start_server: Callable[..., ServerProcess], token: str, files: Callable[[str, int], Path]
) -> None:
    server = start_server()
    fits, too_big = files("fits.txt", 1000), files("too-big.bin", 8 * MiB + 1)

    status, answer = fm_upload(server.url, token, fits, too_big)

    assert status == 200, answer
    assert answer == {
        "fits.txt": "/fm/download/chunky/fits.txt",
        "too-big.bin": "You can't upload files more than 8.000 Megabytes!",
    }
    assert list(StoredFile.objects.values_list("name", flat=True)) == ["fits.txt"]


def test_a_chunked_body_over_the_request_cap_is_refused_and_nothing_is_stored(
    start_server: Callable[..., ServerProcess],
    token: str,
    user: User,
    files: Callable[[str, int], Path],
    upload_root: Path,
) -> None:
    server = start_server(UPLOAD_MAX_REQUEST_BYTES=str(1 * MiB))

    status, answer = fm_upload(server.url, token, files("over.bin", 3 * MiB))

    assert status == 413
    assert answer == {"detail": "Request body too large: the limit is 1.000 Megabytes."}
    assert nothing_stored(upload_root)
    user.refresh_from_db()
    assert user.used_storage == 0


def drive_upload(url: str, cookie: str, path: Path, upload_id: str) -> tuple[int, dict[str, Any]]:
    return curl(
        f"{url}/files.upload",
        "-H",
        f"Cookie: sessionid={cookie}",
        "-H",
        f"X-Upload-Id: {upload_id}",
        "-F",
        f"file=@{path}",
    )


def test_a_chunked_drive_upload_is_stored_with_its_progress_and_finish(
    start_server: Callable[..., ServerProcess], user: User, files: Callable[[str, int], Path]
) -> None:
    server = start_server(UPLOAD_PART_SIZE=str(5 * MiB))
    cookie = session_cookie(server.url, "chunky", "chunky-secret-1")
    path, upload_id = files("notes.pdf", 7 * MiB + 3), str(uuid.uuid4())

    with open_socket(server.url, cookie) as ws:
        status, answer = drive_upload(server.url, cookie, path, upload_id)
        assert status == 200, answer
        frames = frames_until_finish(ws)

    assert answer["data"]["filename"] == "notes.pdf" and answer["data"]["size"] == 7 * MiB + 3
    assert server.get("/fm/download/chunky/notes.pdf").content == path.read_bytes()
    # No length to estimate the total from: the last event still has the exact size.
    assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_PROGRESS", "UPLOAD_FINISH"]
    assert frames[1]["uploaded_size"] == frames[1]["total_size"] == 7 * MiB + 3
    assert all(f["upload_id"] == upload_id for f in frames)


def test_a_chunked_drive_upload_over_the_request_cap_is_refused_and_nothing_is_stored(
    start_server: Callable[..., ServerProcess],
    user: User,
    files: Callable[[str, int], Path],
    upload_root: Path,
) -> None:
    server = start_server(UPLOAD_MAX_REQUEST_BYTES=str(1 * MiB))
    cookie = session_cookie(server.url, "chunky", "chunky-secret-1")

    status, answer = drive_upload(server.url, cookie, files("over.bin", 3 * MiB), str(uuid.uuid4()))

    assert status == 413
    assert answer == {"detail": "Request body too large: the limit is 1.000 Megabytes."}
    assert nothing_stored(upload_root)


def test_a_wsgi_server_reads_a_chunked_upload_too(
    start_wsgi_server: Callable[..., ServerProcess], token: str, files: Callable[[str, int], Path]
) -> None:
    server = start_wsgi_server()
    path = files("h.txt", 3 * MiB + 5)

    status, answer = fm_upload(server.url, token, path)

    assert status == 200, answer
    assert answer == {"h.txt": "/fm/download/chunky/h.txt"}
    assert StoredFile.objects.get(name="h.txt").size == 3 * MiB + 5


def test_a_wsgi_server_refuses_a_chunked_body_over_the_request_cap(
    start_wsgi_server: Callable[..., ServerProcess],
    token: str,
    files: Callable[[str, int], Path],
    upload_root: Path,
) -> None:
    server = start_wsgi_server(UPLOAD_MAX_REQUEST_BYTES=str(1 * MiB))

    status, answer = fm_upload(server.url, token, files("over.bin", 3 * MiB))

    assert status == 413
    assert answer == {"detail": "Request body too large: the limit is 1.000 Megabytes."}
    assert nothing_stored(upload_root)
