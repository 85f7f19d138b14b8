"""Downloads behave like a Django FileResponse wherever the project is served or tested:
Django's and DRF's test clients, a WSGI server (gunicorn over config.wsgi) and the
ASGI server (uvicorn over config.asgi), streaming with flat memory in each."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client
from rest_framework.test import APIClient

from account.models import Account, User
from config import tuning
from tests.helpers import ServerProcess, proc_kib
from tests.upload_center.helpers import CONTENT_TYPE, multipart
from upload_center.models import StoredFile

MiB = 1024 * 1024
CONTENT = bytes(range(256)) * 4096  # 1 MiB, every byte value at every offset mod 256


@pytest.fixture
def stored(make_user: Callable[..., User], db: None) -> bytes:
    api = APIClient()
    api.force_authenticate(make_user(username="kian", password="ak18-secret"))
    body = multipart([("lesson.pdf", CONTENT)])
    assert api.generic("PUT", "/fm/upload/", body, content_type=CONTENT_TYPE).status_code == 200
    return CONTENT


@pytest.mark.parametrize("client_class", [APIClient, Client])
def test_a_test_client_joins_streaming_content_into_the_file(
    stored: bytes, client_class: type[Client]
) -> None:
    response = client_class().get("/fm/download/kian/lesson.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored  # type: ignore[attr-defined]
    assert response["Content-Length"] == str(len(stored))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="lesson.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"].startswith('"') and response["Last-Modified"]


@pytest.mark.parametrize("client_class", [APIClient, Client])
def test_a_test_client_gets_a_range_as_206_streaming_content(
    stored: bytes, client_class: type[Client]
) -> None:
    response = client_class().get("/fm/download/kian/lesson.pdf", HTTP_RANGE="bytes=1000-4999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-4999/{len(stored)}"
    assert response["Content-Length"] == "4000"
    assert b"".join(response.streaming_content) == stored[1000:5000]  # type: ignore[attr-defined]


@pytest.mark.parametrize("client_class", [APIClient, Client])
def test_a_test_client_gets_304_then_the_bytes_for_another_etag(
    stored: bytes, client_class: type[Client]
) -> None:
    etag = client_class().get("/fm/download/kian/lesson.pdf", HTTP_RANGE="bytes=0-0")["ETag"]
    unchanged = client_class().get("/fm/download/kian/lesson.pdf", HTTP_IF_NONE_MATCH=etag)
    changed = client_class().get("/fm/download/kian/lesson.pdf", HTTP_IF_NONE_MATCH='"other"')
    assert (unchanged.status_code, unchanged["ETag"]) == (304, etag)
    assert b"".join(changed.streaming_content) == stored  # type: ignore[attr-defined]


# --- real server processes --------------------------------------------------------

BIG = 200 * MiB


@pytest.fixture
def big_file(make_user: Callable[..., User], upload_root: Path, transactional_db: None) -> StoredFile:
    """A stored 200 MiB file on local disk, made sparse so it costs nothing to create."""
    tier = Account.objects.create(title="Big", storage=1024 * MiB, max_file_transfer=512 * MiB)
    owner = make_user(username="big", password="big-pw-123", account=tier)
    path = upload_root / "big" / "film.bin"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(BIG)
    return StoredFile.objects.create(owner=owner, name="film.bin", size=BIG, sha256="0" * 64, state="stored")


def serving_pid(kind: str, server: ServerProcess) -> int:
    """The process that runs the app: uvicorn itself, or gunicorn's worker (not its arbiter)."""
    if kind == "asgi":
        return server.process.pid
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:  # the parent's pid
            return int(stat.parent.name)
    pytest.fail("gunicorn has no worker process")


@pytest.fixture(params=["wsgi", "asgi"])
def served(
    request: pytest.FixtureRequest,
    start_server: Callable[..., ServerProcess],
    start_wsgi_server: Callable[..., ServerProcess],
) -> tuple[ServerProcess, int]:
    """A server over local disk (the sparse file lives there) and the pid that serves."""
    start = start_wsgi_server if request.param == "wsgi" else start_server
    server = start(S3_BUCKET="")
    return server, serving_pid(request.param, server)


def test_a_200_mib_download_streams_with_flat_memory(big_file: StoredFile, served: Any) -> None:
    server, pid = served
    # One small answer first, so the code and connections are loaded before the baseline.
    first = server.get("/fm/download/big/film.bin", headers={"Range": "bytes=0-0"})
    assert (first.status_code, first.content) == (206, b"\0")
    baseline = proc_kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM restarts from the current RSS

    received = 0
    with requests.get(server.url + "/fm/download/big/film.bin", stream=True, timeout=60) as response:
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(BIG)
        assert response.headers["Content-Disposition"] == 'attachment; filename="film.bin"'
        for chunk in response.iter_content(MiB):
            received += len(chunk)
    assert received == BIG
    growth_mib = (proc_kib(pid, "VmHWM") - baseline) / 1024
    assert growth_mib < 32, f"the serving process grew by {growth_mib:.1f} MiB"


def reader_open(pid: int, path: Path) -> bool:
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == str(path):
                return True
        except OSError:
            continue
    return False


def test_a_client_gone_mid_download_leaves_no_open_reader(
    big_file: StoredFile, served: Any, upload_root: Path
) -> None:
    server, pid = served
    path = upload_root / "big" / "film.bin"
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(f"GET /fm/download/big/film.bin HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    received = 0
    while received < 8 * MiB:
        chunk = sock.recv(MiB)
        assert chunk, "the server closed the connection"
        received += len(chunk)
    assert reader_open(pid, path)
    # SO_LINGER 0: the close sends RST, like a closed laptop lid.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    sock.close()
    deadline = time.monotonic() + 20
    while reader_open(pid, path):
        assert time.monotonic() < deadline, "the stored file is still open after the client left"
        time.sleep(0.05)
    assert server.get("/healthz").status_code == 200


# --- the embedded default's adapter (config.asgi), called as uvicorn calls it ----------


def asgi_get(path: str, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """The messages config.asgi's HTTP application sends for a GET of ``path``."""
    from config.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), *headers], "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    return sent


@pytest.mark.parametrize("headers", [[], [(b"range", b"bytes=100-")]], ids=["whole", "range"])
def test_the_adapter_sends_a_file_in_its_own_large_blocks(
    make_user: Callable[..., User], transactional_db: None, headers: list[tuple[bytes, bytes]]
) -> None:
    # Each block crosses from the adapter's thread to the event loop: the app's 256 KiB
    # blocks (sized for gunicorn's 128 threads) made four crossings of a 1 MiB handout
    # and cost the embedded default a fifth of its downloads a second (docs/performance.md).
    api = APIClient()
    api.force_authenticate(make_user(username="noor", password="noor-pw-123"))
    content = os.urandom(3 * MiB + 5)
    body = multipart([("notes.bin", content)])
    assert api.generic("PUT", "/fm/upload/", body, content_type=CONTENT_TYPE).status_code == 200

    sent = asgi_get("/fm/download/noor/notes.bin", headers)
    start = 100 if headers else 0
    assert sent[0]["status"] == (206 if headers else 200)
    blocks = [m["body"] for m in sent[1:] if m["body"]]
    assert b"".join(blocks) == content[start:]
    assert [len(b) for b in blocks[:-1]] == [tuning.DEV_DOWNLOAD_BLOCK] * (len(blocks) - 1)
    assert sent[-1] == {"type": "http.response.body", "body": b""}  # the end, after the file closed
