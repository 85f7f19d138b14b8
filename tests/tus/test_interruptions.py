"""Resuming after a cut (under uvicorn and gunicorn), two PATCHes at once, expiry: over real
HTTP (tuspy and raw sockets)."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from tusclient.client import TusClient

from tests.helpers import wait_for
from tests.tus.helpers import MiB, TusSide, patch_begin, upload_row
from tus.models import TusUpload
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


def test_tuspy_resumes_after_the_connection_was_cut_mid_patch(tus_side_any: TusSide) -> None:
    data = os.urandom(12 * MiB)
    url = tus_side_any.location(len(data), "video.mp4")
    sock = patch_begin(tus_side_any, url, 0, len(data))
    sock.sendall(data[: 5 * MiB])
    wait_for(lambda: upload_row(url).lock_token != "", what="the PATCH to be taken")
    sock.close()  # the client's connection drops mid-body
    wait_for(lambda: upload_row(url).lock_token == "", what="the server to notice the cut")
    received = int(tus_side_any.head(url).headers["Upload-Offset"])

    uploader = TusClient(tus_side_any.url, headers={"Authorization": f"Token {tus_side_any.token}"}).uploader(
        file_stream=io.BytesIO(data), url=url, chunk_size=4 * MiB
    )
    # What reached the server (all that was sent, on loopback) is kept and not sent again.
    assert uploader.offset == received == 5 * MiB
    uploader.upload()

    response = tus_side_any.server.get("/fm/download/kian/video.mp4")
    assert response.content == data
    tus_side_any.user.refresh_from_db()
    assert (tus_side_any.user.used_storage, tus_side_any.user.reserved_storage) == (len(data), 0)


def test_a_second_patch_while_one_runs_is_refused_and_bytes_never_interleave(tus_side: TusSide) -> None:
    first, second = os.urandom(2 * MiB), b"not these bytes"
    url = tus_side.location(len(first))
    sock = patch_begin(tus_side, url, 0, len(first))
    sock.sendall(first[:MiB])
    wait_for(lambda: upload_row(url).lock_token != "", what="the first PATCH to be taken")

    refused = tus_side.patch(url, 0, second)

    sock.sendall(first[MiB:])
    answer = sock.recv(4096)
    sock.close()
    assert refused.status_code == 409
    assert answer.startswith(b"HTTP/1.1 204")
    assert tus_side.server.get("/fm/download/kian/notes.bin").content == first


def test_an_expired_upload_is_404_and_cleanup_releases_its_bytes_and_reservation(tus_side: TusSide) -> None:
    url = tus_side.location(6 * MiB, "old.bin")
    assert tus_side.patch(url, 0, os.urandom(MiB)).status_code == 204
    young = tus_side.location(MiB, "young.bin")
    # An hour-old live upload is not a cut-off /fm/ upload: cleanup_uploads leaves it.
    StoredFile.objects.filter(name="young.bin").update(created_at=timezone.now() - timedelta(hours=3))
    TusUpload.objects.filter(pk=upload_row(url).pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tus_side.head(url).status_code == 404
    assert tus_side.patch(url, MiB, b"late").status_code == 404

    call_command("cleanup_uploads", stdout=io.StringIO())

    assert list(TusUpload.objects.values_list("filename", flat=True)) == ["young.bin"]
    assert list(StoredFile.objects.values_list("name", flat=True)) == ["young.bin"]
    tus_side.user.refresh_from_db()
    assert (tus_side.user.used_storage, tus_side.user.reserved_storage) == (0, MiB)
    assert tus_side.head(young).status_code == 200
    assert leftovers(tus_side) == {"young"}


def leftovers(side: TusSide) -> set[str]:
    """What storage still holds for unfinished uploads, by the file names they are for."""
    from django.conf import settings

    from upload_center.storage import s3_client

    if not settings.S3_BUCKET:
        folder = settings.UPLOAD_ROOT / side.user.username
        partials = {path.name for path in folder.iterdir()} if folder.exists() else set()
        names = dict(StoredFile.objects.values_list("partial_name", "name"))
        return {names.get(partial, partial).split(".")[0] for partial in partials}
    uploads = s3_client().list_multipart_uploads(Bucket=settings.S3_BUCKET).get("Uploads", [])
    return {upload["Key"].rsplit("/", 1)[1].split(".")[0] for upload in uploads}


def test_expiry_follows_the_setting(tus_side: TusSide, start_server: Any) -> None:
    # The server's clock cannot be moved from here, so the setting is read off the expiry the
    # server writes; what an upload past it answers is the test above (a row dated in the past).
    server = start_server(TUS_EXPIRY_SECONDS="60")
    side = TusSide(server=server, user=tus_side.user, token=tus_side.token)
    before = timezone.now()
    url = side.location(10)
    after = timezone.now()

    expires = upload_row(url).expires_at
    assert before + timedelta(seconds=60) <= expires <= after + timedelta(seconds=60)
    answer = side.head(url)
    assert answer.status_code == 200
    assert answer.headers["Upload-Expires"] == expires.strftime("%a, %d %b %Y %H:%M:%S GMT")
