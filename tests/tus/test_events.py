"""UPLOAD_PROGRESS after each PATCH and UPLOAD_FINISH once stored, with the tus id, to
the owner's WebSocket group (through the channel layer)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.tus.helpers import events_of, received, token_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_progress_after_each_patch_and_finish_once_stored(make_user: Callable[..., Any]) -> None:
    user = make_user()
    layer, channel = events_of(user.pk)
    client = Client(headers={"Tus-Resumable": "1.0.0", "Authorization": f"Token {token_for(user)}"})
    metadata = f"filename {base64.b64encode(b'a.txt').decode()}"
    created = client.post("/tus/", headers={"Upload-Length": "6", "Upload-Metadata": metadata})
    url = created.headers["Location"]
    upload_id = url.rsplit("/", 1)[1]

    for offset, body in ((0, b"abc"), (3, b"def")):
        answer = client.patch(
            url, body, content_type="application/offset+octet-stream", headers={"Upload-Offset": str(offset)}
        )
        assert answer.status_code == 204

    assert [received(layer, channel) for _ in range(3)] == [
        {"kind": "UPLOAD_PROGRESS", "upload_id": upload_id, "total_size": 6, "uploaded_size": 3},
        {"kind": "UPLOAD_PROGRESS", "upload_id": upload_id, "total_size": 6, "uploaded_size": 6},
        {"kind": "UPLOAD_FINISH", "upload_id": upload_id},
    ]
