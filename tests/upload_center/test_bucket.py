"""A bucket that does not exist yet (CONTRACT section 5): `migrate` creates it, and so
does the first store, so a fresh S3 works right away. Runs against moto's S3 server."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from account.models import Account, User
from tests.upload_center.helpers import CONTENT_TYPE, multipart
from upload_center.storage import s3_client

pytestmark = [pytest.mark.s3, pytest.mark.django_db]
MiB = 1024 * 1024


def bucket_exists(name: str) -> bool:
    return any(bucket["Name"] == name for bucket in s3_client().list_buckets()["Buckets"])


@pytest.fixture
def fresh_bucket(settings: Any) -> Iterator[str]:
    """Points storage at a bucket name that S3 does not have; removes the bucket after."""
    original = (settings.S3_BUCKET, settings.STORAGES)
    name = f"fresh-{secrets.token_hex(6)}"
    default = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**default, "OPTIONS": {**default["OPTIONS"], "bucket_name": name}},
    }
    settings.S3_BUCKET = name
    assert not bucket_exists(name)
    yield name
    client = s3_client()
    if bucket_exists(name):
        for upload in client.list_multipart_uploads(Bucket=name).get("Uploads", []):
            client.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
        for item in client.list_objects_v2(Bucket=name).get("Contents", []):
            client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)
    # The autouse upload_root fixture empties the suite's own bucket after this.
    settings.S3_BUCKET, settings.STORAGES = original


@pytest.fixture
def api(make_user: Callable[..., User], settings: Any) -> APIClient:
    settings.UPLOAD_PART_SIZE = 5 * MiB
    tier = Account.objects.create(title="Roomy", storage=64 * MiB, max_file_transfer=32 * MiB)
    client = APIClient()
    client.force_authenticate(make_user(username="kian", password="ak18-secret", account=tier))
    return client


def upload_and_download(api: APIClient, name: str, content: bytes) -> None:
    answer = api.generic("PUT", "/fm/upload/", multipart([(name, content)]), content_type=CONTENT_TYPE)
    assert (answer.status_code, answer.json()) == (200, {name: f"/fm/download/kian/{name}"})
    download = APIClient().get(f"/fm/download/kian/{name}")
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]


def test_migrate_creates_a_missing_bucket_and_an_upload_then_works(fresh_bucket: str, api: APIClient) -> None:
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    assert bucket_exists(fresh_bucket)
    upload_and_download(api, "after-migrate.txt", b"stored after migrate")


@pytest.mark.parametrize(
    ("name", "size"),
    [("one-put.txt", 1024), ("multipart.bin", 12 * MiB)],
    ids=["single-put", "multipart"],
)
def test_the_first_store_creates_a_missing_bucket(
    fresh_bucket: str, api: APIClient, name: str, size: int
) -> None:
    content = secrets.token_bytes(1024) * (size // 1024)
    upload_and_download(api, name, content)
    assert bucket_exists(fresh_bucket)
