"""Production's topology, as the shipped files wire it: nginx (deploy/nginx template) in
front of gunicorn (HTTP, config/gunicorn.py) and uvicorn (the WebSocket only), with the
Redis channel layer carrying the upload's events from the HTTP process to the socket's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.drive.clients import UploadStream, frames_until_finish, open_socket, session_cookie
from tests.helpers import ServerProcess, nginx_running

pytestmark = [pytest.mark.nginx, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front(
    start_wsgi_server: Callable[..., ServerProcess],
    start_server: Callable[..., ServerProcess],
    tmp_path: Path,
    upload_root: Path,
) -> Iterator[tuple[str, ServerProcess, ServerProcess]]:
    http = start_wsgi_server()
    ws = start_server()
    with nginx_running(
        tmp_path,
        app_upstream=http.url.removeprefix("http://"),
        ws_upstream=ws.url.removeprefix("http://"),
        upload_root=upload_root,
    ) as url:
        yield url, http, ws


def test_an_upload_to_gunicorn_is_announced_on_the_socket_held_by_uvicorn(
    front: tuple[str, ServerProcess, ServerProcess], drive_user: Any
) -> None:
    url, http, ws = front
    cookie = session_cookie(url, "alice", "alice-secret-1")
    data = b"topology " * 50_000
    with open_socket(url, cookie) as socket:
        upload = UploadStream(url, cookie, name="plan.txt", size=len(data))
        upload.send(data)
        status, answer = upload.finish()
        frames = frames_until_finish(socket)
    assert status == 200, answer
    assert frames[-1]["kind"] == "UPLOAD_FINISH"
    # The HTTP request went to gunicorn and the socket to uvicorn: each log shows its own.
    assert b"files.upload" not in ws.log.read_bytes()
    download = requests.get(f"{url}/fm/download/alice/plan.txt", timeout=30)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(data).digest()
