"""tus 1.0.0 at /tus/ over real HTTP (CONTRACT section 6): tuspy uploads, every error
status, termination, expiry and checksums, against the README's server."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from typing import Any

import pytest
import requests
from tusclient.client import TusClient

from tests.tus.helpers import MiB, TusSide, stored_bytes, usage
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


def tuspy_upload(side: TusSide, data: bytes, name: str, chunk_size: int) -> str:
    client = TusClient(side.url, headers={"Authorization": f"Token {side.token}"})
    uploader = client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=chunk_size,
        metadata={"filename": name},
        retries=3,
        retry_delay=1,
    )
    uploader.upload()
    return str(uploader.url)


def test_options_needs_no_login_and_lists_the_extensions(tus_side: TusSide) -> None:
    response = requests.options(tus_side.url, timeout=30)

    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    extensions = set(response.headers["Tus-Extension"].split(","))
    assert {"creation", "creation-with-upload", "termination", "expiration", "checksum"} <= extensions
    assert {"sha1", "md5", "sha256"} <= set(response.headers["Tus-Checksum-Algorithm"].split(","))
    assert int(response.headers["Tus-Max-Size"]) > 0


def test_tuspy_uploads_a_small_file_into_the_index(tus_side: TusSide) -> None:
    data = os.urandom(300_000)

    tuspy_upload(tus_side, data, "lecture.mp4", chunk_size=MiB)

    assert stored_bytes(tus_side, "lecture.mp4") == data
    row = StoredFile.objects.get(owner=tus_side.user, name="lecture.mp4")
    assert (row.state, row.size, row.sha256) == ("stored", len(data), hashlib.sha256(data).hexdigest())
    assert usage(tus_side) == (len(data), 0)
    listing = tus_side.server.get("/fm/manager/", headers={"Authorization": f"Token {tus_side.token}"}).json()
    assert listing["Files"] == ["lecture.mp4"]


def test_tuspy_uploads_in_several_patches_smaller_than_a_part(tus_side_any: TusSide) -> None:
    # 3 MiB PATCHes: on S3 each ends inside an 8 MiB part, whose start waits in a tail object.
    data = os.urandom(11 * MiB + 12345)

    tuspy_upload(tus_side_any, data, "raw.cr3", chunk_size=3 * MiB)

    assert stored_bytes(tus_side_any, "raw.cr3") == data
    row = StoredFile.objects.get(owner=tus_side_any.user, name="raw.cr3")
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert usage(tus_side_any) == (len(data), 0)


def test_a_name_the_user_has_gets_the_duplicate_suffix(tus_side: TusSide) -> None:
    tuspy_upload(tus_side, b"first", "report.pdf", chunk_size=MiB)
    tuspy_upload(tus_side, b"second", "report.pdf", chunk_size=MiB)

    names = sorted(StoredFile.objects.filter(owner=tus_side.user).values_list("name", flat=True))
    assert names[0] == "report.pdf"
    assert (
        names[1].startswith("report_")
        and names[1].endswith(".pdf")
        and len(names[1]) == len("report.pdf") + 8
    )
    assert stored_bytes(tus_side, "report.pdf") == b"first"


def test_creation_with_upload_takes_the_first_bytes_in_the_post(tus_side: TusSide) -> None:
    metadata = f"filename {base64.b64encode(b'notes.txt').decode()}"
    response = requests.post(
        tus_side.url,
        data=b"hello",
        headers=tus_side.headers(
            **{
                "Upload-Length": "11",
                "Upload-Metadata": metadata,
                "Content-Type": "application/offset+octet-stream",
            }
        ),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.headers["Upload-Offset"] == "5"
    url = tus_side.server.url + response.headers["Location"]

    answer = tus_side.patch(url, 5, b" world")

    assert answer.status_code == 204 and answer.headers["Upload-Offset"] == "11"
    assert stored_bytes(tus_side, "notes.txt") == b"hello world"


def test_head_answers_offset_length_and_expiry(tus_side: TusSide) -> None:
    url = tus_side.location(10)
    assert tus_side.patch(url, 0, b"abcd").status_code == 204

    response = tus_side.head(url)

    assert response.status_code == 200
    assert (response.headers["Upload-Offset"], response.headers["Upload-Length"]) == ("4", "10")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Upload-Expires"].endswith(" GMT")
    assert response.headers["Tus-Resumable"] == "1.0.0"


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
def test_a_patch_with_a_right_checksum_is_appended(tus_side: TusSide, algorithm: str) -> None:
    url = tus_side.location(6)
    digest = base64.b64encode(hashlib.new(algorithm, b"abcdef").digest()).decode()

    response = tus_side.patch(url, 0, b"abcdef", **{"Upload-Checksum": f"{algorithm} {digest}"})

    assert response.status_code == 204, response.text
    assert stored_bytes(tus_side, "notes.bin") == b"abcdef"


def test_a_patch_with_a_wrong_checksum_is_460_and_nothing_is_appended(tus_side: TusSide) -> None:
    url = tus_side.location(6)
    digest = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()

    response = tus_side.patch(url, 0, b"abcdef", **{"Upload-Checksum": f"sha1 {digest}"})

    assert response.status_code == 460
    assert tus_side.head(url).headers["Upload-Offset"] == "0"
    assert tus_side.patch(url, 0, b"abcdef").status_code == 204
    assert stored_bytes(tus_side, "notes.bin") == b"abcdef"


def test_errors_have_tus_statuses(tus_side: TusSide, make_user: Any) -> None:
    from tests.tus.helpers import token_for

    url = tus_side.location(10)
    bob_headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Token {token_for(make_user('bob'))}"}

    wrong_version = requests.head(url, headers={**tus_side.headers(), "Tus-Resumable": "0.2.2"}, timeout=30)
    assert (wrong_version.status_code, wrong_version.headers["Tus-Version"]) == (412, "1.0.0")
    assert requests.head(url, headers={"Tus-Resumable": "1.0.0"}, timeout=30).status_code == 401
    assert requests.head(url, headers=bob_headers, timeout=30).status_code == 404
    assert requests.delete(url, headers=bob_headers, timeout=30).status_code == 404
    assert tus_side.head(tus_side.url + "no-such-upload").status_code == 404
    # No id has a NUL byte: unknown, not a PostgreSQL error (500).
    assert tus_side.head(tus_side.url + "no%00such").status_code == 404
    assert (
        requests.delete(tus_side.url + "no%00such", headers=tus_side.headers(), timeout=30).status_code == 404
    )
    assert tus_side.patch(url, 3, b"abc").status_code == 409
    assert tus_side.patch(url, 0, b"abc", **{"Content-Type": "text/plain"}).status_code == 415
    assert tus_side.patch(url, 0, b"x" * 11).status_code == 400
    assert tus_side.patch(tus_side.url + "no-such-upload", 0, b"abc").status_code == 404
    no_length = requests.post(
        tus_side.url, headers=tus_side.headers(**{"Upload-Metadata": "filename YQ=="}), timeout=30
    )
    assert no_length.status_code == 400
    no_name = requests.post(tus_side.url, headers=tus_side.headers(**{"Upload-Length": "5"}), timeout=30)
    assert no_name.status_code == 400
    assert tus_side.create(5, name="..").status_code == 400
    assert tus_side.head(url).headers["Upload-Offset"] == "0"


def test_quota_refusals_are_413_with_the_contract_texts(tus_side: TusSide) -> None:
    too_large = tus_side.create(33 * MiB)
    assert (too_large.status_code, too_large.json()) == (
        413,
        {"detail": "You can't upload files more than 32.000 Megabytes!"},
    )
    assert tus_side.location(30 * MiB)
    assert tus_side.location(30 * MiB)
    # 64 MiB of storage, 60 reserved by the two unfinished uploads above.
    no_space = tus_side.create(5 * MiB)
    assert (no_space.status_code, no_space.json()) == (
        413,
        {"detail": "You don't have enough space to upload this file!"},
    )
    assert tus_side.create(4 * MiB).status_code == 201
    assert usage(tus_side) == (0, 64 * MiB)


def test_termination_removes_the_bytes_and_the_reservation(tus_side: TusSide) -> None:
    url = tus_side.location(5 * MiB)
    assert tus_side.patch(url, 0, os.urandom(MiB)).status_code == 204
    assert usage(tus_side) == (0, 5 * MiB)

    response = requests.delete(url, headers=tus_side.headers(), timeout=30)

    assert response.status_code == 204
    assert tus_side.head(url).status_code == 404
    assert usage(tus_side) == (0, 0)
    assert not StoredFile.objects.filter(owner=tus_side.user).exists()
    assert tus_side.patch(url, MiB, b"more").status_code == 404
