"""The two storage backends: which one the settings choose, and what each lists,
finds and deletes.

Both run in both passes: the disk backend in a folder of the test's own, the S3
backend against a moto server that this test runs in-process, in a bucket of its
own (the suite's storage is restored before the autouse fixture empties it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from django.utils import timezone
from moto.server import ThreadedMotoServer

from tests.conftest import free_port
from upload_center.storage import (
    LocalStorage,
    S3Storage,
    s3_bucket,
    s3_client,
    storage_backend,
    storage_delete,
    storage_exists,
    storage_prepare,
    storage_read,
    storage_sink,
)


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    yield endpoint
    # The in-process server keeps moto's global state; the next test starts empty.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    server.stop()


@pytest.fixture
def suite_storage(settings: Any) -> Iterator[None]:
    """Gives the suite's storage back before the autouse upload_root empties it."""
    original = (settings.S3_BUCKET, settings.STORAGES)
    yield
    settings.S3_BUCKET, settings.STORAGES = original


def use_disk(settings: Any, root: Path) -> None:
    settings.S3_BUCKET = None
    backend = "django.core.files.storage.FileSystemStorage"
    options = {"location": str(root), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend, "OPTIONS": options}}


def use_s3(settings: Any, endpoint: str, bucket: str) -> None:
    settings.S3_BUCKET = bucket
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "file_overwrite": True,
        "default_acl": None,
        "querystring_auth": False,
    }
    backend = "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend, "OPTIONS": options}}


@pytest.fixture(params=["disk", "s3"])
def backend_kind(request: pytest.FixtureRequest, settings: Any, suite_storage: None, tmp_path: Path) -> str:
    if request.param == "disk":
        use_disk(settings, tmp_path / "disk")
    else:
        use_s3(settings, request.getfixturevalue("moto_endpoint"), f"backend-{secrets.token_hex(4)}")
    storage_prepare()
    return str(request.param)


def store(key: str, content: bytes) -> None:
    sink = storage_sink(key)
    sink.write(content)
    sink.close()
    sink.commit()


def test_the_backend_is_chosen_once_and_follows_a_settings_switch(
    settings: Any, suite_storage: None, moto_endpoint: str, tmp_path: Path
) -> None:
    use_disk(settings, tmp_path / "disk")
    disk = storage_backend()
    assert isinstance(disk, LocalStorage)
    assert storage_backend() is disk  # chosen once, not on every call

    use_s3(settings, moto_endpoint, "switched")
    s3 = storage_backend()
    assert isinstance(s3, S3Storage)
    assert s3_bucket() == "switched"
    assert s3_client().meta.endpoint_url == moto_endpoint

    use_disk(settings, tmp_path / "again")
    assert isinstance(storage_backend(), LocalStorage)
    with pytest.raises(TypeError):
        s3_client()  # there is no S3 client while the files are on disk


def test_the_first_store_on_a_switched_backend_lands_there(
    settings: Any, suite_storage: None, moto_endpoint: str, tmp_path: Path
) -> None:
    use_disk(settings, tmp_path / "disk")
    storage_prepare()
    store("kian/disk.txt", b"on disk")
    use_s3(settings, moto_endpoint, "second")
    storage_prepare()
    store("kian/s3.txt", b"in the bucket")

    assert s3_client().get_object(Bucket="second", Key="kian/s3.txt")["Body"].read() == b"in the bucket"
    assert not storage_exists("kian/disk.txt")
    assert (tmp_path / "disk" / "kian" / "disk.txt").read_bytes() == b"on disk"


def test_keys_lists_every_file_but_the_temporary_top_level_ones(backend_kind: str) -> None:
    for key in ("kian/a.txt", "kian/deep/b.txt", "alice/c.txt", ".tus/partial", ".exports/x.zip"):
        store(key, key.encode())

    assert sorted(storage_backend().keys()) == ["alice/c.txt", "kian/a.txt", "kian/deep/b.txt"]


def test_exists_and_delete_see_one_key_only(backend_kind: str) -> None:
    store("kian/a.txt", b"a")
    store("kian/a.txt.bak", b"b")

    assert storage_exists("kian/a.txt") and not storage_exists("kian/missing.txt")
    storage_delete("kian/a.txt")
    storage_delete("kian/missing.txt")  # deleting what is gone is no error

    assert not storage_exists("kian/a.txt")
    assert b"".join(storage_read("kian/a.txt.bak")) == b"b"
    assert sorted(storage_backend().keys()) == ["kian/a.txt.bak"]


def test_an_unfinished_s3_upload_is_listed_when_older_and_aborted_once(backend_kind: str) -> None:
    sink = storage_sink("kian/unfinished.bin")
    sink.write(b"x" * 1024)
    sink.close()  # stored, never committed
    backend = storage_backend()
    later = timezone.now() + timedelta(minutes=1)

    listed = list(backend.multipart_uploads(initiated_before=later))
    if backend_kind == "disk":
        assert listed == []  # on disk an unfinished upload is a hidden file its row names
        return
    assert [upload.key for upload in listed] == ["kian/unfinished.bin"]
    # Not one started at that moment or after (moto dates every upload alike).
    assert list(backend.multipart_uploads(initiated_before=listed[0].initiated)) == []
    backend.multipart_abort(key=listed[0].key, upload_id=listed[0].upload_id)
    backend.multipart_abort(key=listed[0].key, upload_id=listed[0].upload_id)  # gone already: no error
    assert list(backend.multipart_uploads(initiated_before=later)) == []
    assert not storage_exists("kian/unfinished.bin")


def test_check_fails_until_prepare_makes_the_folder_or_bucket(
    settings: Any, suite_storage: None, moto_endpoint: str, tmp_path: Path
) -> None:
    use_disk(settings, tmp_path / "fresh")
    with pytest.raises(FileNotFoundError):
        storage_backend().check()
    storage_prepare()
    storage_backend().check()

    use_s3(settings, moto_endpoint, "fresh")
    with pytest.raises(ClientError):
        storage_backend().check()
    storage_prepare()
    storage_backend().check()
