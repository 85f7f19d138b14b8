"""Files handed in to a file request (/r/<token>) with a chunked body (no Content-Length),
by a real curl and a raw socket, under the README's server: stored whole, or refused with
a clear text, or (cut off) not stored at all - never a partial file."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import wait_for
from tests.sharing.helpers import SERVER_ENV, token_of
from tests.sharing.requests_helpers import request_make, visit_open
from tests.upload_center.helpers import curl, nothing_stored
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)
MiB = 1048576


def curl_hand_in(url: str, cookies: dict[str, str], path: Path) -> tuple[int, dict[str, Any]]:
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return curl(
        url + "/files", "-H", f"Cookie: {cookie}", "-H", "X-Uploader-Name: Sara", "-F", f"file=@{path}"
    )


def test_a_chunked_hand_in_is_stored_whole(
    start_server: Callable[..., Any], alice: Any, tmp_path: Path
) -> None:
    server = start_server(**SERVER_ENV)
    made = request_make(server, alice)
    path = tmp_path / "essay.pdf"
    path.write_bytes(os.urandom(3 * MiB + 11))

    status, answer = curl_hand_in(made["url"], visit_open(made["url"]).cookies.get_dict(), path)

    assert status == 200, answer
    assert [(f["name"], f["size"]) for f in answer["files"]] == [("essay.pdf", 3 * MiB + 11)]
    stored = server.get(
        # Private (a hand-in): the owner fetches it through the management API.
        "/fm/sharing/files/Essay%207B%20-%20Sara%20-%20essay.pdf/download",
        headers={"Authorization": f"Token {token_of(alice)}"},
    )
    assert stored.content == path.read_bytes()


def test_a_chunked_hand_in_over_the_limit_is_refused_and_nothing_is_stored(
    start_server: Callable[..., Any], alice: Any, tmp_path: Path, upload_root: Path
) -> None:
    server = start_server(**SERVER_ENV)
    made = request_make(server, alice, size_limit=MiB)
    path = tmp_path / "essay.pdf"
    path.write_bytes(os.urandom(2 * MiB))

    status, answer = curl_hand_in(made["url"], visit_open(made["url"]).cookies.get_dict(), path)

    assert (status, answer["detail"]) == (413, "You can hand in at most 1.000 Megabytes to this request!")
    assert nothing_stored(upload_root)


def test_a_chunked_hand_in_cut_off_mid_file_leaves_nothing(
    start_server: Callable[..., Any], alice: Any, upload_root: Path
) -> None:
    server = start_server(**SERVER_ENV)
    made = request_make(server, alice)
    cookies = visit_open(made["url"]).cookies.get_dict()
    parts = urlsplit(made["url"])
    head = (
        f"POST {parts.path}/files HTTP/1.1\r\nHost: {parts.netloc}\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\nX-Uploader-Name: Sara\r\n"
        f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}\r\n\r\n"
    )
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="essay.pdf"\r\n\r\n'
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode())
        for data in (part, *[os.urandom(256 * 1024) for _ in range(12)]):
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
        wait_for(lambda: not nothing_stored(upload_root), what="the server to store the first bytes")
    # The connection is gone mid-file, before the last chunk and the closing boundary.

    wait_for(lambda: nothing_stored(upload_root), what="the server to drop what it stored")
    assert not StoredFile.objects.exists()
    alice.refresh_from_db()
    assert (alice.used_storage, alice.reserved_storage) == (0, 0)
