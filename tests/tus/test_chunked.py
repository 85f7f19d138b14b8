"""PATCHes whose body is sent with ``Transfer-Encoding: chunked`` (no Content-Length), by a
real curl, under uvicorn and gunicorn. tus 1.0.0 does not require a length on a PATCH (tusd
takes such bodies too): the offset advances by what arrived, and Upload-Length, the request
cap and a checksum hold as for any PATCH."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ServerProcess
from tests.tus.helpers import MiB, TusSide, stored_bytes, token_for, usage

pytestmark = pytest.mark.django_db(transaction=True)


def curl_chunked(method: str, url: str, body: Path, *headers: str) -> tuple[int, dict[str, str], str]:
    """curl sending ``body`` chunked; the status, the answer's headers (lower-case names), its body."""
    args = [arg for header in headers for arg in ("-H", header)]
    done = subprocess.run(
        ["curl", "-sS", "-v", "-i", "-X", method, "-H", "Transfer-Encoding: chunked", *args]
        + ["--data-binary", f"@{body}", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    sent = [line.lower() for line in done.stderr.decode().splitlines() if line.startswith("> ")]
    # The body really went chunked, with no length for the server to go by.
    assert "> transfer-encoding: chunked" in sent and not any("> content-length" in s for s in sent), sent
    # After any "100 Continue", the last head is the answer.
    head, _, text = (
        done.stdout.decode(errors="replace")
        .replace("\r\n", "\n")
        .rpartition("HTTP/1.1 ")[2]
        .partition("\n\n")
    )
    status_line, *lines = head.split("\n")
    answer = {
        name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)
    }
    return int(status_line.split()[0]), answer, text


def tus_patch(
    side: TusSide, url: str, offset: int, body: Path, *headers: str
) -> tuple[int, dict[str, str], str]:
    return curl_chunked(
        "PATCH",
        url,
        body,
        "Tus-Resumable: 1.0.0",
        f"Authorization: Token {side.token}",
        f"Upload-Offset: {offset}",
        "Content-Type: application/offset+octet-stream",
        *headers,
    )


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_chunked_patches_under_uvicorn_and_gunicorn_advance_by_what_arrived(
    tus_side_any: TusSide, tmp_path: Path
) -> None:
    side, data = tus_side_any, os.urandom(6 * MiB + 17)
    url = side.location(len(data), "lecture.mp4")

    status, answer, _ = tus_patch(side, url, 0, written(tmp_path, "first", data[: 2 * MiB + 5]))
    assert (status, answer["upload-offset"]) == (204, str(2 * MiB + 5))
    assert side.head(url).headers["Upload-Offset"] == str(2 * MiB + 5)
    status, answer, _ = tus_patch(side, url, 2 * MiB + 5, written(tmp_path, "rest", data[2 * MiB + 5 :]))
    assert (status, answer["upload-offset"]) == (204, str(len(data)))

    assert stored_bytes(side, "lecture.mp4") == data
    assert usage(side) == (len(data), 0)


def test_a_chunked_body_past_the_upload_length_is_400_and_nothing_is_appended(
    tus_side: TusSide, tmp_path: Path
) -> None:
    url = tus_side.location(MiB)

    status, _, text = tus_patch(tus_side, url, 0, written(tmp_path, "long", os.urandom(MiB + 1)))

    assert (status, text) == (400, '{"detail":"The body goes past the upload\'s Upload-Length."}')
    assert tus_side.head(url).headers["Upload-Offset"] == "0"


def test_a_chunked_body_over_the_request_cap_is_413_and_the_upload_goes_on(
    start_server: Callable[..., ServerProcess], make_user: Callable[..., Any], roomy_tier: Any, tmp_path: Path
) -> None:
    user = make_user("kian", account=roomy_tier)
    side = TusSide(start_server(UPLOAD_MAX_REQUEST_BYTES=str(MiB)), user, token_for(user))
    data = os.urandom(3 * MiB)
    url = side.location(len(data))

    status, _, text = tus_patch(side, url, 0, written(tmp_path, "all", data))

    assert (status, text) == (413, '{"detail": "Request body too large: the limit is 1.000 Megabytes."}')
    assert side.head(url).headers["Upload-Offset"] == "0"
    for offset in range(0, len(data), MiB):  # nothing holds the upload: it goes on
        assert tus_patch(side, url, offset, written(tmp_path, "part", data[offset : offset + MiB]))[0] == 204
    assert stored_bytes(side, "notes.bin") == data


def test_a_chunked_body_with_a_checksum_counts_only_when_it_matches(
    tus_side: TusSide, tmp_path: Path
) -> None:
    data = os.urandom(MiB)
    url = tus_side.location(len(data))
    body = written(tmp_path, "body", data)
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    right = base64.b64encode(hashlib.sha1(data).digest()).decode()

    assert tus_patch(tus_side, url, 0, body, f"Upload-Checksum: sha1 {wrong}")[0] == 460
    assert tus_side.head(url).headers["Upload-Offset"] == "0"
    assert tus_patch(tus_side, url, 0, body, f"Upload-Checksum: sha1 {right}")[0] == 204
    assert stored_bytes(tus_side, "notes.bin") == data


def test_a_chunked_creation_with_upload_takes_the_first_bytes(tus_side: TusSide, tmp_path: Path) -> None:
    data = os.urandom(3 * MiB)
    metadata = "filename " + base64.b64encode(b"draft.bin").decode()

    status, answer, _ = curl_chunked(
        "POST",
        tus_side.url,
        written(tmp_path, "first", data[:MiB]),
        "Tus-Resumable: 1.0.0",
        f"Authorization: Token {tus_side.token}",
        f"Upload-Length: {len(data)}",
        f"Upload-Metadata: {metadata}",
        "Content-Type: application/offset+octet-stream",
    )

    assert (status, answer.get("upload-offset")) == (201, str(MiB))
    url = tus_side.server.url + answer["location"]
    assert tus_patch(tus_side, url, MiB, written(tmp_path, "rest", data[MiB:]))[0] == 204
    assert stored_bytes(tus_side, "draft.bin") == data
