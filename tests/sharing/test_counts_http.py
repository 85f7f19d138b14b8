"""Download counts and private files over real HTTP (uvicorn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.sharing.helpers import SERVER_ENV, token_of

pytestmark = pytest.mark.django_db(transaction=True)

DATA = b"lecture notes " * 1000


def test_downloads_count_once_per_download_not_per_range_after_byte_0(
    start_server: Callable[..., Any], alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    row = store(alice, "notes.txt", DATA)
    link = link_make(row)
    server = start_server(**SERVER_ENV)
    public = "/fm/download/alice/notes.txt"

    assert server.get(public).content == DATA  # 1
    assert server.get(public, headers={"Range": "bytes=0-99"}).status_code == 206  # 2: from byte 0
    assert server.get(public, headers={"Range": "bytes=100-"}).content == DATA[100:]  # its rest
    assert server.get(public, headers={"Range": "bytes=-5"}).status_code == 206  # a tail
    assert server.get(public, headers={"If-None-Match": row.etag}).status_code == 304  # nothing sent
    assert requests.head(server.url + public, timeout=30).status_code == 200
    assert server.get("/fm/download/alice/other.txt").status_code == 404
    assert server.get(link.path).content == DATA  # 3, and the link's 1
    assert server.get(link.path, headers={"Range": "bytes=50-"}).status_code == 206
    link.refresh_from_db()
    assert link.download_count == 1  # a link's count is written before its bytes go

    server.stop()  # public counts are batched in the server's memory until then
    row.refresh_from_db()
    link.refresh_from_db()
    assert (row.download_count, link.download_count) == (3, 1)


def test_a_private_file_is_404_at_its_public_path_while_its_links_work(
    start_server: Callable[..., Any], alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    row = store(alice, "exam.pdf", DATA)
    link = link_make(row)
    server = start_server(**SERVER_ENV)
    public = "/fm/download/alice/exam.pdf"
    token = {"Authorization": f"Token {token_of(alice)}"}

    made_private = requests.patch(
        server.url + "/fm/sharing/files/exam.pdf", json={"private": True}, headers=token, timeout=30
    )
    assert made_private.status_code == 200 and made_private.json()["private"] is True
    hidden = server.get(public)
    assert hidden.status_code == 404 and hidden.json() == {"detail": "exam.pdf hasn't existed!"}
    assert server.get(link.path).content == DATA
    own = server.get("/fm/sharing/files/exam.pdf/download", headers=token)
    assert own.content == DATA and own.headers["Content-Security-Policy"] == "sandbox"

    switch = server.url + "/fm/sharing/files/exam.pdf"
    requests.patch(switch, json={"private": False}, headers=token, timeout=30)
    assert server.get(public).content == DATA
    server.stop()
    row.refresh_from_db()
    assert row.download_count == 2  # the link's and the public one; the owner's own is not counted
