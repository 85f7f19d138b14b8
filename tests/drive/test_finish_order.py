"""UPLOAD_FINISH is sent before the HTTP answer of /files.upload starts (CONTRACT section 3).

Over a real socket the order is a race between two connections: the event arrives
a millisecond or two before the answer, and an event sent after the answer (from the
response's close hook) arrives a millisecond after it, so a client cannot tell the
two apart reliably. Django's test client cannot either: it calls the response's
close() before it returns. Here the project's ASGI application (HTTP through a2wsgi to
the WSGI application, as `dev.py run` serves it) is called directly,
and one log records, in the order they happen in the server, each event handed to
the channel layer and each ASGI message of the answer. An event is delivered to the
user's sockets once the channel layer has it, so "before the answer" means: in the
log before ``http.response.start``. Nothing here depends on timing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from config.asgi import application
from config.events import user_group
from tests.drive.clients import BOUNDARY

pytestmark = pytest.mark.django_db(transaction=True)


def upload_scope(cookie: str, upload_id: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/files.upload",
        "raw_path": b"/files.upload",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", f"sessionid={cookie}".encode()),
            (b"x-upload-id", upload_id.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def multipart_body(name: str, data: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_upload_finish_reaches_the_channel_layer_before_the_answer_starts(
    drive_user: Any, login: Callable[[Any], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = login(drive_user).cookies["sessionid"].value
    upload_id = str(uuid.uuid4())
    body = multipart_body("notes.txt", b"n" * 300_000)
    log: list[tuple[str, Any]] = []
    layer = get_channel_layer()
    group_send = layer.group_send

    async def recording_group_send(group: str, message: dict[str, Any]) -> None:
        await group_send(group, message)
        log.append(("layer", (group, message["event"])))

    # The layer object every sender in this process gets from get_channel_layer().
    monkeypatch.setattr(layer, "group_send", recording_group_send)

    async def scenario() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop(0)
            await asyncio.Future()  # the client stays connected; Django cancels this wait
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            log.append((message["type"], message.get("status")))

        await application(upload_scope(cookie, upload_id, body), receive, send)

    async_to_sync(scenario)()

    group = user_group(drive_user.pk)
    finish = ("layer", (group, {"kind": "UPLOAD_FINISH", "upload_id": upload_id}))
    assert ("http.response.start", 200) in log, log
    assert finish in log, log
    assert log.index(finish) < log.index(("http.response.start", 200)), log
    # Progress (if any), then the finish, then the answer: no event comes after it.
    kinds = [entry[1][1]["kind"] if entry[0] == "layer" else entry[0] for entry in log]
    finished = kinds.index("UPLOAD_FINISH")
    assert set(kinds[:finished]) <= {"UPLOAD_PROGRESS"}, kinds
    assert kinds[finished : finished + 2] == ["UPLOAD_FINISH", "http.response.start"]
    assert set(kinds[finished + 2 :]) == {"http.response.body"}, kinds
