"""tus under gunicorn over config.wsgi (the README's HTTP-only way of serving): tuspy in
several PATCHes, and a resume after the connection was cut mid-PATCH."""

from __future__ import annotations

import hashlib
import io
import os
import time

import pytest
from tusclient.client import TusClient

from tests.tus.helpers import MiB, TusSide
from tests.tus.test_interruptions import patch_begin, upload_row, wait_for
from tests.tus.test_protocol import stored_bytes, tuspy_upload, usage
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


def test_tuspy_uploads_in_several_patches_under_gunicorn(tus_wsgi_side: TusSide) -> None:
    data = os.urandom(11 * MiB + 12345)

    tuspy_upload(tus_wsgi_side, data, "raw.cr3", chunk_size=3 * MiB)

    assert stored_bytes(tus_wsgi_side, "raw.cr3") == data
    row = StoredFile.objects.get(name="raw.cr3")
    assert (row.state, row.sha256) == ("stored", hashlib.sha256(data).hexdigest())
    assert usage(tus_wsgi_side) == (len(data), 0)


def test_tuspy_resumes_under_gunicorn_after_the_connection_was_cut_mid_patch(tus_wsgi_side: TusSide) -> None:
    side, data = tus_wsgi_side, os.urandom(12 * MiB)
    url = side.location(len(data), "video.mp4")
    sock = patch_begin(side, url, 0, len(data))
    sock.sendall(data[: 5 * MiB])
    wait_for(lambda: upload_row(url).lock_token != "", "the PATCH to be taken")
    time.sleep(1)  # time for the worker to take in most of what was sent
    sock.close()  # the client's connection drops mid-body
    wait_for(lambda: upload_row(url).lock_token == "", "the worker to notice the cut")
    received = int(side.head(url).headers["Upload-Offset"])

    uploader = TusClient(side.url, headers={"Authorization": f"Token {side.token}"}).uploader(
        file_stream=io.BytesIO(data), url=url, chunk_size=4 * MiB
    )
    assert 0 < uploader.offset == received <= 5 * MiB
    uploader.upload()

    assert stored_bytes(side, "video.mp4") == data
    assert usage(side) == (len(data), 0)
