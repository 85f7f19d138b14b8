"""The drive through the real server process: sockets, uploads and early refusals over TCP."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from config.events import user_event_send
from tests.drive.clients import UploadStream, frames_until_finish, open_socket, session_cookie
from tests.drive.helpers import MiB
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


def upload_12_mib(url: str, cookie: str) -> tuple[str, int, dict[str, Any]]:
    stream = UploadStream(url, cookie, name="twelve.bin", size=12 * MiB)
    stream.send(b"t" * (12 * MiB))
    status, body = stream.finish()
    return stream.upload_id, status, body


def test_the_uploaders_socket_sees_progress_with_the_exact_total_then_finish(
    start_server: Callable[..., Any], drive_user: Any
) -> None:
    server = start_server()
    cookie = session_cookie(server.url, "alice", "alice-secret-1")
    with open_socket(server.url, cookie) as ws:
        upload_id, status, body = upload_12_mib(server.url, cookie)
        assert status == 200, body
        frames = frames_until_finish(ws)
    # Two parts of 8 MiB (the default part size): one event each, the last one with the full size.
    assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_PROGRESS", "UPLOAD_FINISH"]
    assert all(f["upload_id"] == upload_id == body["data"]["upload_id"] for f in frames)
    assert [f["total_size"] for f in frames[:2]] == [12 * MiB, 12 * MiB]
    assert 8 * MiB <= frames[0]["uploaded_size"] < 12 * MiB
    assert frames[1]["uploaded_size"] == 12 * MiB


def test_a_body_over_the_tier_limit_is_refused_before_it_is_sent(
    start_server: Callable[..., Any], drive_user: Any
) -> None:
    server = start_server()
    cookie = session_cookie(server.url, "alice", "alice-secret-1")
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        # Headers only: the answer must come without a byte of the 1 GiB body.
        sock.sendall(
            (
                "POST /files.upload HTTP/1.1\r\nHost: x\r\n"
                f"Cookie: sessionid={cookie}\r\nX-Upload-Id: {uuid.uuid4()}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\n"
                f"Content-Length: {1024**3}\r\n\r\n"
            ).encode()
        )
        answer = b""
        while b"}" not in answer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed without an answer: {answer!r}"
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert b"connection: close" in head.lower()
    assert json.loads(payload) == {
        "status": "too_large",
        "message": "You can't upload files more than 20.000 Megabytes!",
        "data": {},
    }
    assert not StoredFile.objects.exists()


@pytest.mark.redis
def test_events_cross_processes_through_redis(
    start_server: Callable[..., Any],
    drive_user: Any,
    make_user: Callable[..., Any],
    drive_tier: Any,
    settings: Any,
) -> None:
    bob_user = make_user("bob", "bob-secret-1", account=drive_tier)
    holding_sockets = start_server(REDIS_URL=settings.REDIS_URL)
    serving_uploads = start_server(REDIS_URL=settings.REDIS_URL)
    alice = session_cookie(serving_uploads.url, "alice", "alice-secret-1")
    bob = session_cookie(holding_sockets.url, "bob", "bob-secret-1")
    with open_socket(holding_sockets.url, alice) as alices, open_socket(holding_sockets.url, bob) as bobs:
        upload_id, status, body = upload_12_mib(serving_uploads.url, alice)
        assert status == 200, body
        frames = frames_until_finish(alices)
        assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_PROGRESS", "UPLOAD_FINISH"]
        assert all(f["upload_id"] == upload_id for f in frames)
        # A marker sent now, through the same Redis, comes after anything sent before it:
        # if Bob's socket had been sent Alice's events, they would arrive before it.
        for ws, user in ((bobs, bob_user), (alices, drive_user)):
            marker = {"kind": "TEST_MARKER", "id": uuid.uuid4().hex}
            user_event_send(user_id=user.pk, event=marker)
            assert json.loads(ws.recv(timeout=30)) == marker
