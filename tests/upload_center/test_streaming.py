"""Uploads through the real server process: streaming, cut-off bodies, the size cap."""

from __future__ import annotations

import io
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from account.models import Account, User
from tests.helpers import wait_for
from tests.upload_center.helpers import MB, RawUpload
from upload_center.models import StoredFile
from upload_center.storage import s3_client, storage_exists

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def big_user(make_user: Callable[..., User]) -> User:
    tier = Account.objects.create(title="Big", storage=1024 * MB, max_file_transfer=512 * MB)
    return make_user(username="streamer", password="stream-pw-1", account=tier)


@pytest.fixture
def token(big_user: User) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=big_user).key


def open_s3_uploads() -> list[dict[str, Any]]:
    return s3_client().list_multipart_uploads(Bucket=settings.S3_BUCKET).get("Uploads", [])


def stored_partially(row: StoredFile) -> bool:
    """The upload's own bytes are in storage: its multipart upload, or its hidden file."""
    if settings.S3_BUCKET:
        return any(u["Key"] == row.storage_key for u in open_s3_uploads())
    return storage_exists(row.partial_key)


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Iterator[Any]:
    yield start_server()


def test_bytes_reach_storage_while_the_client_is_still_sending(
    server: Any, token: str, big_user: User
) -> None:
    upload = RawUpload(server.url, token, "lecture.mp4", 40 * MB)
    upload.send_file_bytes(20 * MB)
    # Half the body is sent and the request is not finished, yet the file is being stored.
    row = wait_for(
        lambda: StoredFile.objects.filter(owner=big_user, state="pending").first(), what="a pending row"
    )
    wait_for(lambda: stored_partially(row), what="bytes in storage")
    upload.send_file_bytes(20 * MB, start=False)
    response = upload.finish()
    assert b" 200 " in response.split(b"\r\n")[0]
    assert b'"lecture.mp4":"/fm/download/streamer/lecture.mp4"' in response
    row.refresh_from_db()
    assert (row.state, row.size) == ("stored", 40 * MB)


def test_a_connection_cut_mid_body_leaves_no_file_no_row_and_no_charge(
    server: Any, token: str, big_user: User
) -> None:
    upload = RawUpload(server.url, token, "cut.bin", 64 * MB)
    upload.send_file_bytes(24 * MB)
    row = wait_for(lambda: StoredFile.objects.filter(owner=big_user).first(), what="a pending row")
    wait_for(lambda: stored_partially(row), what="bytes in storage")
    upload.cut()

    wait_for(lambda: not StoredFile.objects.filter(owner=big_user).exists(), what="the pending row to go")
    wait_for(lambda: not stored_partially(row), what="the partial bytes to go")
    assert not storage_exists(row.storage_key)
    big_user.refresh_from_db()
    assert big_user.used_storage == 0
    # The server is still healthy and serves the next upload.
    assert server.get("/healthz").status_code == 200


def test_a_body_over_the_global_cap_gets_413_before_it_is_read(
    start_server: Callable[..., Any], token: str, big_user: User
) -> None:
    server = start_server(UPLOAD_MAX_REQUEST_BYTES=str(10 * MB))
    upload = RawUpload(server.url, token, "huge.iso", 0, content_length=4 * 1024 * MB)
    started = time.monotonic()
    response = upload.response()  # nothing of the 4 GiB body was sent
    assert b" 413 " in response.split(b"\r\n")[0]
    assert b"Request body too large: the limit is 10.000 Megabytes." in response
    assert time.monotonic() - started < 10
    assert not StoredFile.objects.exists()


def test_a_server_killed_mid_upload_leaves_a_pending_row_that_cleanup_removes(
    start_server: Callable[..., Any], token: str, big_user: User
) -> None:
    server = start_server()
    upload = RawUpload(server.url, token, "killed.bin", 64 * MB)
    upload.send_file_bytes(24 * MB)
    row = wait_for(lambda: StoredFile.objects.filter(owner=big_user).first(), what="a pending row")
    wait_for(lambda: stored_partially(row), what="bytes in storage")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    upload.cut()
    # Nothing was charged; the index still shows the upload as pending, never as a file.
    big_user.refresh_from_db()
    assert big_user.used_storage == 0
    assert StoredFile.objects.get(pk=row.pk).state == "pending"

    call_command("cleanup_uploads", older_than=0, stdout=io.StringIO())

    assert not StoredFile.objects.filter(owner=big_user).exists()
    assert not stored_partially(row)
    assert not storage_exists(row.storage_key)
