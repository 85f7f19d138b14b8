"""A file of at most ``DOWNLOAD_WHOLE`` bytes is read whole in the view's thread and
sent in one part (no thread hop and no wait for the socket between chunks), while its
bytes fit in the process's ``DOWNLOAD_BUDGET``: they count there from the read until
they have left the process, or until the answer is closed unsent."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from account.models import User
from tests.upload_center.helpers import CONTENT_TYPE, multipart, sent_under_asgi
from upload_center import downloads
from upload_center.downloads import DOWNLOAD_CHUNK, StorageFileResponse
from upload_center.views import download

HANDOUT = bytes(range(256)) * (3 * 1024)  # 768 KiB: three chunks of the largest size


@pytest.fixture(autouse=True)
def budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test that fails half-way leaves no share taken for the next one.
    monkeypatch.setattr(downloads, "_whole", 0)


@pytest.fixture
def handouts(make_user: Callable[..., User], db: None) -> bytes:
    api = APIClient()
    api.force_authenticate(make_user(username="kian", password="ak18-secret"))
    files = [("one.bin", HANDOUT), ("two.bin", HANDOUT)]
    assert api.generic("PUT", "/fm/upload/", multipart(files), content_type=CONTENT_TYPE).status_code == 200
    return HANDOUT


def answer(name: str, **headers: str) -> StorageFileResponse:
    """The view's answer, as the one-hop path (or WSGI) gets it."""
    response = download(RequestFactory().get(f"/fm/download/kian/{name}", headers=headers), "kian", name)
    assert isinstance(response, StorageFileResponse)
    return response


def close(response: StorageFileResponse) -> None:
    """As the server does once the answer is done (Django's test clients keep the
    test's database connection open the same way)."""
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)


def test_a_small_file_is_read_in_the_view_and_sent_in_one_part(handouts: bytes) -> None:
    response = answer("one.bin")
    # b"": the answer's send() returns once the part has drained (its share goes back then).
    assert sent_under_asgi(response) == ([handouts, b""], 0)
    assert downloads._whole == 0
    close(response)


def test_a_range_of_a_small_file_is_read_whole_too(handouts: bytes) -> None:
    response = answer("one.bin", Range="bytes=1000-300000")
    assert response.status_code == 206
    assert sent_under_asgi(response) == ([handouts[1000:300001], b""], 0)
    close(response)


def test_its_bytes_count_in_the_budget_until_they_have_drained() -> None:
    response = StorageFileResponse(iter([b"a" * 10]), held=10, content_type="application/octet-stream")
    response["Content-Length"] = "10"
    response.read_ahead()  # not a storage reader: nothing read ahead, read under ASGI instead
    downloads._whole += 10  # as _whole_take did for it

    async def run() -> list[int]:
        held = []
        async for _part in response:
            held.append(downloads._whole)  # while Django sends the part (and waits for it to drain)
        return [*held, downloads._whole]

    assert asyncio.run(run()) == [10, 10, 0]


def test_a_file_that_does_not_fit_in_the_budget_left_is_streamed_in_chunks(
    handouts: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "DOWNLOAD_BUDGET", len(handouts) + DOWNLOAD_CHUNK)
    first = answer("one.bin")
    assert downloads._whole == len(handouts)
    second = answer("two.bin")  # a chunk's room is left, not the whole file's
    parts, reads = sent_under_asgi(second)
    assert b"".join(parts) == handouts and len(parts[0]) == DOWNLOAD_CHUNK and reads >= 2
    assert downloads._whole == len(handouts)
    close(first)  # never sent (the client went away): its share goes back all the same
    assert downloads._whole == 0
    third = answer("two.bin")
    assert sent_under_asgi(third) == ([handouts, b""], 0)
    close(second)
    close(third)


def test_an_answer_waits_for_a_share_coming_back_rather_than_stream_in_chunks(
    handouts: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads, "DOWNLOAD_BUDGET", len(handouts) + DOWNLOAD_CHUNK)
    first = answer("one.bin")
    # The first answer drains (on the event loop, in a server) while the second waits.
    later = threading.Timer(0.02, close, [first])  # well within DOWNLOAD_WHOLE_WAIT
    later.start()
    try:
        second = answer("two.bin")
    finally:
        later.join()
    assert sent_under_asgi(second) == ([handouts, b""], 0)
    assert downloads._whole == 0
    close(second)


def test_an_answer_does_not_wait_for_a_budget_that_nothing_gave_back_to_for_a_while(
    handouts: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slow clients holding the budget: each answer would hold a thread for the wait."""
    monkeypatch.setattr(downloads, "_whole", downloads.DOWNLOAD_BUDGET)
    long_ago = time.monotonic() - 10 * downloads.DOWNLOAD_WHOLE_WAIT
    monkeypatch.setattr(downloads, "_whole_moved", long_ago, raising=False)

    def wait_for(*args: object, **kwargs: object) -> bool:
        raise AssertionError("waited for room")

    monkeypatch.setattr(downloads._whole_room, "wait_for", wait_for)
    response = answer("one.bin")
    parts, reads = sent_under_asgi(response)
    assert b"".join(parts) == handouts and len(parts[0]) == downloads.DOWNLOAD_CHUNK_MIN and reads >= 2
    close(response)


def test_test_clients_and_wsgi_give_the_share_back_and_head_reads_nothing_whole(handouts: bytes) -> None:
    response = Client().get("/fm/download/kian/one.bin")
    assert b"".join(response.streaming_content) == handouts  # type: ignore[attr-defined]
    assert downloads._whole == 0
    head = download(RequestFactory().head("/fm/download/kian/one.bin"), "kian", "one.bin")
    assert isinstance(head, StorageFileResponse)
    assert head["Content-Length"] == str(len(handouts)) and downloads._whole == 0
    close(head)
