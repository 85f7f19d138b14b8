"""The public download served by the ASGI server (config/one_hop.py: one thread hop)
answers exactly as the Django view under the test client, and its batched counts
reach the database. Real uvicorn processes over real sockets; nothing is timed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from tests.helpers import ServerProcess
from tests.upload_center.test_offload import CONTENT, TRICKY, files, local_disk, store  # noqa: F401 - fixtures
from upload_center.models import StoredFile

# Set by the transport or per request, not by the view and middlewares.
TRANSPORT = {"date", "server", "x-request-id", "connection", "keep-alive", "transfer-encoding"}


def requests_to_compare(etag: str) -> list[tuple[str, str, dict[str, str]]]:
    lesson, tricky = "/fm/download/kian/lesson.pdf", "/fm/download/kian/" + TRICKY.replace("%", "%25")
    tricky = tricky.replace("?", "%3F").replace("#", "%23")
    return [
        ("GET", lesson, {}),
        ("GET", tricky, {}),
        ("HEAD", lesson, {}),
        ("GET", lesson, {"Range": "bytes=1000-4999"}),
        ("GET", lesson, {"Range": "bytes=-100"}),
        ("GET", lesson, {"Range": "bytes=99999999-"}),  # 416
        ("GET", lesson, {"If-None-Match": etag}),  # 304
        ("GET", lesson, {"Range": "bytes=0-9", "If-Range": '"another"'}),  # the whole file
        ("GET", "/fm/download/kian/nobody.pdf", {}),
        ("GET", "/fm/download/kian/draft.pdf", {}),  # pending
        ("GET", "/fm/download/kian/private.pdf", {}),
        ("GET", "/fm/download/kian/gone.pdf", {}),  # in the index, bytes gone
        ("GET", "/fm/download/nobody/lesson.pdf", {}),
        ("POST", lesson, {}),  # 405, through Django's handler
        # Cookies take the whole middleware chain (config/one_hop_chain.py): a broken
        # session cookie is deleted, a malformed CSRF one replaced.
        ("GET", lesson, {"Cookie": "sessionid=short"}),
        ("GET", lesson, {"Cookie": "csrftoken=bad"}),
        ("GET", lesson, {"Origin": "https://elsewhere.example"}),
    ]


def over_http(
    server: ServerProcess, method: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    answer = requests.request(method, server.url + path, headers=headers, allow_redirects=False, timeout=30)
    return (
        answer.status_code,
        {k.lower(): v for k, v in answer.headers.items() if k.lower() not in TRANSPORT},
        answer.content,
    )


def in_process(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    answer = Client().generic(method, path, headers=headers)
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content  # type: ignore[attr-defined]
    if method == "HEAD":
        body = b""  # the server sends no body; the test client keeps a streamed one
    found = {k.lower(): v for k, v in answer.headers.items() if k.lower() not in TRANSPORT}
    if answer.cookies:  # kept apart from the headers by Django; joined as requests joins them
        found["set-cookie"] = ", ".join(c.output(header="").strip() for c in answer.cookies.values())
    return answer.status_code, found, body


@pytest.fixture
def kians_files(transactional_db: None, request: pytest.FixtureRequest) -> dict[str, StoredFile]:
    kians: dict[str, StoredFile] = request.getfixturevalue("files")  # test_offload's
    private = store(kians["lesson"].owner, "private.pdf", CONTENT)
    StoredFile.objects.filter(pk=private.pk).update(private=True)
    return kians


def new_token_hidden(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, dict[str, str], bytes]:
    """A new CSRF cookie's value is random: compared up to it."""
    status, headers, body = answer
    if "set-cookie" in headers:
        headers["set-cookie"] = re.sub(r"csrftoken=\w+", "csrftoken=<new>", headers["set-cookie"])
    return status, headers, body


def answers_compared(server: ServerProcess, etag: str) -> None:
    for method, path, headers in requests_to_compare(etag):
        expected = new_token_hidden(in_process(method, path, headers))
        assert new_token_hidden(over_http(server, method, path, headers)) == expected, (method, path, headers)


def test_the_server_answers_as_the_django_view(
    start_server: Callable[..., ServerProcess], kians_files: dict[str, StoredFile]
) -> None:
    answers_compared(start_server(), kians_files["lesson"].etag)  # on local disk, or S3 in pass 2


@pytest.mark.usefixtures("local_disk")
def test_the_server_answers_an_nginx_offload_as_the_django_view(
    start_server: Callable[..., ServerProcess], kians_files: dict[str, StoredFile], settings: Any
) -> None:
    settings.DOWNLOAD_OFFLOAD = "nginx"
    settings.SENDFILE_ROOT = str(settings.UPLOAD_ROOT)  # read at start-up by the server
    server = start_server(DOWNLOAD_OFFLOAD="nginx", S3_BUCKET="")
    answers_compared(server, kians_files["lesson"].etag)


@pytest.mark.s3
def test_the_server_answers_an_s3_redirect_as_the_django_view(
    start_server: Callable[..., ServerProcess], kians_files: dict[str, StoredFile], settings: Any
) -> None:
    settings.DOWNLOAD_OFFLOAD = "s3-redirect"
    server = start_server(DOWNLOAD_OFFLOAD="s3-redirect")
    for path in (
        "/fm/download/kian/lesson.pdf",
        "/fm/download/kian/gone.pdf",
        "/fm/download/kian/private.pdf",
    ):
        status, headers, body = over_http(server, "GET", path, {})
        expected_status, expected_headers, expected_body = in_process("GET", path, {})
        # A presigned URL carries its own signing time: compared up to its query.
        location, expected_location = headers.pop("location", ""), expected_headers.pop("location", "")
        assert urlsplit(location)[:3] == urlsplit(expected_location)[:3]
        assert (status, headers, body) == (expected_status, expected_headers, expected_body)


def count_of(row: StoredFile) -> int:
    row.refresh_from_db()
    return row.download_count


def test_a_class_s_downloads_are_counted_while_the_server_runs_and_when_it_stops(
    start_server: Callable[..., ServerProcess], kians_files: dict[str, StoredFile]
) -> None:
    lesson, server = kians_files["lesson"], start_server()
    path = "/fm/download/kian/lesson.pdf"
    for _ in range(30):
        assert server.get(path).content == CONTENT
    assert server.get(path, headers={"Range": "bytes=10-"}).status_code == 206  # a resumed one: not counted
    deadline = time.monotonic() + 30  # written by the next flush, about a second later
    while count_of(lesson) < 30 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert count_of(lesson) == 30
    for _ in range(5):
        assert server.get(path, headers={"Range": "bytes=0-99"}).status_code == 206  # from byte 0: counted
    server.stop()  # its lifespan shutdown writes the last counts
    assert count_of(lesson) == 35
