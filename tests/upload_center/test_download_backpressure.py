"""A download read slowly by its client makes the server read the stored file no
further ahead of the client than one chunk (``DOWNLOAD_CHUNK``).

The response goes through uvicorn's own HTTP protocol (httptools, as the README's
server runs it) and the project's ASGI handler, in this process, over a socket
stand-in whose peer reads only when the server can write no more: the slowest
client that still makes progress. Bytes read from storage are counted where
the download reads them, and compared with what the client has taken each time
a chunk is read. Nothing is timed: the client moves only when the server waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from asgiref.sync import async_to_sync
from django.core import signals
from django.db import close_old_connections
from rest_framework.test import APIClient
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from account.models import Account, User
from config.streaming import StreamingASGIHandler
from tests.upload_center.helpers import CONTENT_TYPE, multipart
from upload_center import downloads

MiB = 1024 * 1024
CONTENT = bytes(range(256)) * (36 * 1024)  # 9 MiB: more than two of the old 4 MiB reads
# uvloop's write-buffer limits, which uvicorn keeps: writing pauses above HIGH
# and resumes at LOW or below, so LOW bytes may stay in the process.
HIGH, LOW = 64 * 1024, 16 * 1024
STEP = 16 * 1024  # what the client takes each time the server waits for it


class SlowSocket(asyncio.Transport):
    """The server's end of a connection: holds what was written until the client takes it."""

    def __init__(self) -> None:
        super().__init__()
        self.protocol: HttpToolsProtocol | None = None
        self.data = bytearray()
        self.taken = 0
        self.paused = False
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: Any) -> None:
        self.data += data
        if not self.paused and len(self.data) - self.taken > HIGH:
            self.paused = True
            assert self.protocol is not None
            self.protocol.pause_writing()

    def take(self, size: int) -> None:
        self.taken = min(len(self.data), self.taken + size)
        if self.paused and len(self.data) - self.taken <= LOW:
            self.paused = False
            assert self.protocol is not None
            self.protocol.resume_writing()

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


@pytest.fixture
def lecture(make_user: Callable[..., User], transactional_db: None) -> bytes:
    # Committed (transactional_db): Django's ASGI handler runs the view in a
    # thread of its own, on its own database connection.
    tier = Account.objects.create(title="Lectures", storage=64 * MiB, max_file_transfer=32 * MiB)
    api = APIClient()
    api.force_authenticate(make_user(username="kian", password="ak18-secret", account=tier))
    body = multipart([("lecture.bin", CONTENT)])
    assert api.generic("PUT", "/fm/upload/", body, content_type=CONTENT_TYPE).status_code == 200
    return CONTENT


async def slow_download(sock: SlowSocket, header_end: list[int]) -> None:
    config = uvicorn.Config(app=StreamingASGIHandler(), http="httptools", lifespan="off", log_level="warning")
    protocol = HttpToolsProtocol(config=config, server_state=ServerState(), app_state={})
    sock.protocol = protocol
    protocol.connection_made(sock)
    server_waits = asyncio.Event()
    drain = protocol.flow.drain

    async def waiting_drain() -> None:
        server_waits.set()
        await drain()

    protocol.flow.drain = waiting_drain  # type: ignore[method-assign]
    protocol.data_received(b"GET /fm/download/kian/lecture.bin HTTP/1.1\r\nHost: testserver\r\n\r\n")
    while len(sock.data) < len(CONTENT) or not header_end:
        waits = asyncio.ensure_future(server_waits.wait())
        done = asyncio.ensure_future(protocol.cycle.message_event.wait())  # type: ignore[union-attr]
        await asyncio.wait({waits, done}, return_when=asyncio.FIRST_COMPLETED)
        waits.cancel()
        done.cancel()
        if protocol.cycle.response_complete:  # type: ignore[union-attr]
            break  # answered without waiting for the client: the assertions say what
        server_waits.clear()
        if not header_end and b"\r\n\r\n" in sock.data:
            header_end.append(sock.data.index(b"\r\n\r\n") + 4)
        while sock.paused:  # the client reads only what lets the server go on
            sock.take(STEP)
    sock.take(len(sock.data))
    await protocol.cycle.message_event.wait()  # type: ignore[union-attr]
    protocol.connection_lost(None)


def test_a_slow_client_keeps_the_server_at_most_one_chunk_ahead(
    lecture: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock = SlowSocket()
    header_end: list[int] = []
    read = 0
    ahead: list[int] = []  # bytes read from storage and not yet taken, at each read
    storage_read = downloads.storage_read

    def counted(*args: Any, **kwargs: Any) -> Iterator[bytes]:
        nonlocal read
        for chunk in storage_read(*args, **kwargs):
            read += len(chunk)
            taken = sock.taken - header_end[0] if header_end else 0
            ahead.append(read - max(taken, 0))
            yield chunk

    monkeypatch.setattr(downloads, "storage_read", counted)
    # As Django's test clients do: the handler would close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        # Under async_to_sync the view runs in this thread, on the test's transaction.
        async_to_sync(slow_download)(sock, header_end)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    assert bytes(sock.data[header_end[0] :]) == lecture
    assert read == len(lecture)
    # One chunk in hand, and what the transport keeps below its low-water mark.
    assert max(ahead) <= downloads.DOWNLOAD_CHUNK + LOW
