"""S3 multipart streaming, watched from moto's S3 server while the client sends.

The server under test runs as a real process (the README's uvicorn command)
and stores into a moto S3 server that this test runs in-process, so the test
can ask S3 what it holds at any moment of the upload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from tests.drive.clients import UploadStream, session_cookie
from tests.drive.helpers import MiB
from tests.helpers import free_port, wait_for
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "drive-streaming"
PART = 5 * MiB


@pytest.fixture
def s3() -> Iterator[tuple[str, Any]]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    # The in-process server keeps moto's global state; the next test starts empty.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    server.stop()


@pytest.fixture
def server_on_s3(start_server: Callable[..., Any], s3: tuple[str, Any]) -> Any:
    endpoint, _ = s3
    return start_server(
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=endpoint,
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        S3_REGION="us-east-1",
        UPLOAD_PART_SIZE=str(PART),
    )


def stored_parts(client: Any) -> int:
    """Parts S3 holds of the multipart uploads open in the bucket."""
    uploads = client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    return sum(
        len(client.list_parts(Bucket=BUCKET, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
        for u in uploads
    )


def test_parts_reach_s3_while_the_client_is_still_sending(
    server_on_s3: Any, s3: tuple[str, Any], drive_user: Any
) -> None:
    _, client = s3
    data = bytes(range(256)) * (16 * MiB // 256) + b"tail"
    stream = UploadStream(
        server_on_s3.url,
        session_cookie(server_on_s3.url, "alice", "alice-secret-1"),
        name="movie.bin",
        size=len(data),
    )
    stream.send(data[: 12 * MiB])
    # The client holds back the last 4 MiB: whatever S3 has now came in while it was sending.
    wait_for(lambda: stored_parts(client) >= 1, what="an UploadPart in S3 before the body ended", seconds=30)
    stream.send(data[12 * MiB :])
    status, body = stream.finish()
    assert status == 200, body
    assert body["data"]["size"] == len(data)
    stored = client.get_object(Bucket=BUCKET, Key="alice/movie.bin")["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    assert client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_cut_off_upload_leaves_no_multipart_upload_object_row_or_charge(
    server_on_s3: Any, s3: tuple[str, Any], drive_user: Any
) -> None:
    _, client = s3
    stream = UploadStream(
        server_on_s3.url,
        session_cookie(server_on_s3.url, "alice", "alice-secret-1"),
        name="cut.bin",
        size=16 * MiB,
    )
    stream.send(b"c" * (12 * MiB))
    wait_for(lambda: stored_parts(client) >= 1, what="an UploadPart in S3", seconds=30)
    stream.cut()
    wait_for(
        lambda: client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [],
        what="the multipart upload to be aborted",
        seconds=30,
    )
    wait_for(lambda: not StoredFile.objects.exists(), what="the pending row to go", seconds=30)
    assert client.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0
    drive_user.refresh_from_db()
    assert drive_user.used_storage == 0
