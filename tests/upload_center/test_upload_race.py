"""A stalled upload that cleanup_uploads cancels must not touch the file that later takes its name.

Runs on local disk in the embedded pass and on S3 (moto's server) in the services pass.
"""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from account.models import User
from tests.helpers import wait_for
from tests.upload_center.helpers import CONTENT_TYPE, multipart
from upload_center.maintenance import storage_reconcile
from upload_center.models import StoredFile

MB = 1048576
TOOK_TOO_LONG = "The upload took too long and was cancelled; please send it again."
pytestmark = pytest.mark.django_db(transaction=True)


def response_read(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_cancelled_upload_leaves_the_file_that_took_its_name_alone(
    start_server: Callable[..., Any], make_user: Callable[..., User], upload_root: Path
) -> None:
    user = make_user(username="kian")
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    server = start_server()
    # The first race.bin stops after 3 MiB, as a slow client's would: past the 2 MiB the
    # server reads before parsing, under the tier's 4 MiB file limit and one S3 part.
    body = multipart([("race.bin", b"a" * (4 * MB - 4096))])
    half = 3 * MB
    parts = urlsplit(server.url)
    first = socket.create_connection((parts.hostname, parts.port), timeout=30)
    first.sendall(
        (
            f"PUT /fm/upload/ HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: {auth['Authorization']}\r\n"
            f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
    )
    first.sendall(body[:half])
    wait_for(lambda: StoredFile.objects.filter(owner=user, state="pending").exists(), what="a pending row")
    if not settings.S3_BUCKET:
        # On disk the first half is written as it comes (on S3 it waits in the part buffer).
        wait_for(lambda: any(path.is_file() for path in upload_root.rglob("*")), what="the partial file")

    call_command("cleanup_uploads", older_than=0, stdout=io.StringIO())

    second_bytes = b"the second race.bin"
    answer = requests.put(
        server.url + "/fm/upload/", files={"file_field": ("race.bin", second_bytes)}, headers=auth, timeout=30
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"race.bin": "/fm/download/kian/race.bin"}
    assert server.get("/fm/download/kian/race.bin").content == second_bytes

    first.sendall(body[half:])
    response = response_read(first)
    first.close()
    head, _, answer_body = response.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]
    assert json.loads(answer_body) == {"race.bin": TOOK_TOO_LONG}

    download = server.get("/fm/download/kian/race.bin")
    assert (download.status_code, download.content) == (200, second_bytes)
    user.refresh_from_db()
    assert user.used_storage == len(second_bytes)
    assert list(StoredFile.objects.values_list("name", "state")) == [("race.bin", "stored")]
    assert storage_reconcile().clean
