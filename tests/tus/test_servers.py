"""Several server processes: parallel creations racing for the last bytes of quota
(PostgreSQL), and an S3 upload that another process continues (moto's server)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.tus.helpers import MiB, TusSide, token_for
from upload_center.models import StoredFile
from upload_center.storage import s3_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres
def test_parallel_creations_on_two_servers_never_reserve_more_than_the_tier(
    start_server: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    user = make_user("kian")  # the test tier: 10 MiB of storage, files up to 4 MiB
    token = token_for(user)
    sides = [TusSide(server=start_server(), user=user, token=token) for _ in range(2)]

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda n: sides[n % 2].create(3 * MiB, f"{n}.bin").status_code, range(12)))

    assert sorted(answers) == [201] * 3 + [413] * 9
    user.refresh_from_db()
    assert (user.reserved_storage, user.used_storage) == (9 * MiB, 0)


@pytest.mark.s3
def test_another_process_continues_an_s3_upload_with_its_tail_in_the_bucket(
    start_server: Callable[..., Any], make_user: Callable[..., Any], roomy_tier: Any
) -> None:
    user = make_user("kian", account=roomy_tier)
    token = token_for(user)
    first, second = (TusSide(server=start_server(), user=user, token=token) for _ in range(2))
    data = os.urandom(11 * MiB)
    url = first.location(len(data), "raw.cr3")
    upload_id = url.rsplit("/", 1)[1]
    bucket = settings.S3_BUCKET

    assert first.patch(url, 0, data[: 3 * MiB]).status_code == 204
    # Less than a part: the bytes wait in S3, not on the web process's disk.
    tails = s3_client().list_objects_v2(Bucket=bucket, Prefix=f".tus/{upload_id}/").get("Contents", [])
    assert [tail["Size"] for tail in tails] == [3 * MiB]
    assert not list(settings.UPLOAD_ROOT.rglob("*.*"))
    other = second.server.url + urlsplit(url).path
    assert second.head(other).headers["Upload-Offset"] == str(3 * MiB)
    assert second.patch(other, 3 * MiB, data[3 * MiB : 9 * MiB]).status_code == 204
    assert first.patch(url, 9 * MiB, data[9 * MiB :]).status_code == 204

    assert first.server.get("/fm/download/kian/raw.cr3").content == data
    row = StoredFile.objects.get(name="raw.cr3")
    assert (row.state, row.sha256) == ("stored", hashlib.sha256(data).hexdigest())
    assert not s3_client().list_objects_v2(Bucket=bucket, Prefix=".tus/").get("Contents")
    assert not s3_client().list_multipart_uploads(Bucket=bucket).get("Uploads")
