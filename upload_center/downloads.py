"""Streaming file responses: Range, ETag / Last-Modified, safe headers."""

from __future__ import annotations

import asyncio
import functools
import itertools
import mimetypes
import re
import threading
import time
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_etags

from upload_center.models import StoredFile
from upload_center.storage import storage_read

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# What one download in flight holds under ASGI: one chunk read and not yet
# handed to the socket. 4 MiB chunks made 64 downloads at once cost 500 MiB (a
# chunk in the transport's buffer plus the next one read, each, and the heap's
# fragments of them). Chunks share a budget per process instead: each is the
# budget split over the downloads streaming when it starts, between the bounds
# (larger chunks cost fewer thread hops and sends per byte).
DOWNLOAD_BUDGET = 24 * 1024 * 1024
DOWNLOAD_CHUNK = 256 * 1024  # the largest chunk
DOWNLOAD_CHUNK_MIN = 64 * 1024
# A file (or range) up to this size is read whole in the view's thread and sent
# in one message: a class opening one handout cost three thread hops and three
# waits for the socket per 1 MiB answer in 256 KiB chunks. Its bytes take their
# share of the budget from the read until they have left the process.
DOWNLOAD_WHOLE = 1024 * 1024
# How long such an answer waits for its share when the budget is full, before it
# streams in chunks instead. A class opening one handout filled the budget, and the
# answers that streamed then took up to five times as long as the others (their p99,
# bench/class_load.py (a)); a share comes back as soon as one answer has drained, so
# they wait in turn instead. Only while shares come and go: a budget held by slow
# clients, unmoved for this long, lets answers stream at once (each wait holds one of
# the few threads that answer downloads, config.one_hop).
DOWNLOAD_WHOLE_WAIT = 0.1
_streaming = 0  # downloads streaming under ASGI in this process (changed on its event loop only)
_whole = 0  # bytes of answers read whole and not yet sent (under _whole_lock)
_whole_lock = threading.Lock()
_whole_room = threading.Condition(_whole_lock)  # notified when shares come back
_whole_waiting = 0  # threads waiting there (under _whole_lock)
_whole_moved = 0.0  # time.monotonic() of the last share taken or given back (under _whole_lock)


def download_chunk() -> int:
    """The read size for a download starting now: the budget that whole answers leave."""
    share = (DOWNLOAD_BUDGET - _whole) // (_streaming + 1)
    return max(DOWNLOAD_CHUNK_MIN, min(DOWNLOAD_CHUNK, share))


def _whole_take(length: int) -> bool:
    """Takes ``length`` bytes of the budget for an answer read whole, once they fit beside
    the whole answers not yet sent and a chunk for each download streaming; False if they
    do not within ``DOWNLOAD_WHOLE_WAIT``, or at once when no share was taken or given back
    for that long. Called in a view's thread, never on the loop (which gives the shares back)."""
    global _whole, _whole_waiting, _whole_moved

    def fits() -> bool:
        return _whole + length + _streaming * download_chunk() <= DOWNLOAD_BUDGET

    with _whole_room:
        if not fits():
            if time.monotonic() - _whole_moved > DOWNLOAD_WHOLE_WAIT:
                return False  # nothing came back for a while: none is likely to soon
            _whole_waiting += 1
            try:
                if not _whole_room.wait_for(fits, timeout=DOWNLOAD_WHOLE_WAIT):
                    return False
            finally:
                _whole_waiting -= 1
        _whole += length
        _whole_moved = time.monotonic()
        return True


def _whole_give(length: int) -> None:
    """Gives ``length`` bytes back (0: a download streaming ended, its chunk's room is free)."""
    global _whole, _whole_moved
    with _whole_room:
        _whole -= length
        _whole_moved = time.monotonic()
        if _whole_waiting:  # most answers find room at once: no thread to wake
            _whole_room.notify_all()


def _range(header: str, size: int) -> tuple[int, int] | None:
    """(start, length) of a single satisfiable byte range, None when unsatisfiable.

    Raises ValueError for a header that is not a single byte range (served in full)."""
    match = RANGE_RE.match(header.strip())
    if not match or match.groups() == ("", ""):
        raise ValueError(header)
    first, last = match.groups()
    if first == "":
        length = min(int(last), size)
        return (size - length, length) if length > 0 else None
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end - start + 1


class StorageFileResponse(FileResponse):
    """A FileResponse over storage chunks that streams under every server.

    WSGI servers and Django's / DRF's test clients iterate it synchronously, one
    chunk at a time. Under ASGI, Django would read a sync iterator whole into a
    list before sending; here each chunk is read in a worker thread instead, and
    only once the previous one has left the process, so a response holds at most
    one chunk (``DOWNLOAD_CHUNK`` at most) however slowly its client reads. An
    answer read whole (``held`` bytes of the budget, ``DOWNLOAD_WHOLE`` at most)
    gives its share back once its bytes have left the process, or when closed.
    """

    def __init__(self, *args: Any, held: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = held
        # A client gone mid-read cancels the sending while a chunk is still read
        # in its thread, and Django closes the response at once; closing the
        # storage reader then would fail ("generator already executing") and
        # leave the stored file open. close() waits for that read instead.
        self._reading = threading.Lock()
        # A storage reader takes the size of each next chunk (storage_read).
        source = args[0] if args else kwargs.get("streaming_content")
        self._source = source if isinstance(source, Generator) else None
        self._started = False

    _ahead: bytes | None = None

    def read_ahead(self) -> None:
        """Reads the first chunk now, in the view's own thread: under ASGI a file of
        one chunk then takes no thread hop of its own, a larger one one fewer."""
        if self._source is not None:
            self._ahead = self._read(self._source)

    @property
    def streaming_content(self) -> Any:  # type: ignore[override]
        content = super().streaming_content
        ahead, self._ahead = self._ahead, None
        return content if ahead is None else itertools.chain([ahead], content)  # type: ignore[arg-type]

    @streaming_content.setter
    def streaming_content(self, value: Any) -> None:
        self._set_streaming_content(value)  # type: ignore[attr-defined]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.is_async:  # content replaced by an async iterator (a middleware)
            async for part in super().__aiter__():
                yield part
            return
        chunks = self._source or self.streaming_content
        assert isinstance(chunks, Iterator)  # is_async is False
        # The loop's own executor: asgiref's sync_to_async costs more per call
        # than a 128 KiB read, and these reads need no context of the request.
        loop = asyncio.get_running_loop()
        global _streaming
        streams = 0 if self._held else 1  # an answer read whole counts in _whole instead
        _streaming += streams
        # Bytes still to come: the last chunk ends the stream without one more read
        # (each read is a thread hop, a third of them for a small file's few chunks).
        remaining = int(self["Content-Length"]) if self.has_header("Content-Length") else -1
        chunk, self._ahead = self._ahead, None
        try:
            while (
                chunk is not None
                or (chunk := await loop.run_in_executor(None, self._read, chunks)) is not None
            ):
                yield chunk
                remaining -= len(chunk)
                # Django sends an empty part as an empty body message. ASGI servers
                # apply flow control at the start of send() (uvicorn awaits the
                # transport's drain there), not after the write: the chunk above may
                # still sit in the transport's buffer when its send() returns. This
                # send() returns only once it has drained, so the next chunk is read
                # only as fast as the client takes the bytes, and an answer read
                # whole gives its share of the budget back once it has left.
                if remaining or self._held:
                    yield b""
                if not remaining:
                    break  # nothing is read after the last chunk
                chunk = None
        finally:
            _streaming -= streams
            self._give_back()

    def _read(self, chunks: Iterator[bytes]) -> bytes | None:
        with self._reading:
            if chunks is not self._source or not self._started:
                self._started = True
                return next(chunks, None)
            try:  # a chunk of the budget's share now, not of when the download began
                return self._source.send(download_chunk())
            except StopIteration:
                return None

    def _give_back(self) -> None:
        with _whole_lock:  # once only, whichever of the sending and close comes first
            held, self._held = self._held, 0
        _whole_give(held)

    def close(self) -> None:
        with self._reading:
            super().close()
        self._give_back()


@functools.lru_cache(maxsize=4096)
def file_type_and_disposition(name: str) -> tuple[str, str]:
    """The Content-Type and Content-Disposition of every answer with the bytes of a file
    called ``name`` (found once per name: under a class opening one link, guessing the
    type and quoting the name were a tenth of an offloaded answer's work in its thread)."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream", content_disposition_header(True, name)


def _file_headers(row: StoredFile) -> dict[str, str]:
    return {
        "ETag": row.etag,
        "Last-Modified": http_date(row.created_at.timestamp()),
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        # A user's HTML or SVG opened from this site can run no script here.
        "Content-Security-Policy": "sandbox",
        "Content-Disposition": file_type_and_disposition(row.name)[1],
    }


def file_response(request: HttpRequest, row: StoredFile) -> HttpResponseBase:
    headers = _file_headers(row)
    conditional = get_conditional_response(
        request, etag=row.etag, last_modified=int(row.created_at.timestamp()), response=None
    )
    if conditional is not None:
        for name in ("ETag", "Last-Modified"):
            conditional[name] = headers[name]
        return conditional

    start, length, status = 0, row.size, 200
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (not if_range or row.etag in parse_etags(if_range)):
        try:
            wanted = _range(range_header, row.size)
        except ValueError:
            wanted = (0, row.size)
        if wanted is None:
            refused = HttpResponse(status=416, headers=headers)
            refused["Content-Range"] = f"bytes */{row.size}"
            return refused
        start, length = wanted
        if length != row.size:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{row.size}"

    content_type = file_type_and_disposition(row.name)[0]
    return _streamed(request, row, start, length, status=status, content_type=content_type, headers=headers)


def _streamed(
    request: HttpRequest, row: StoredFile, start: int, length: int, **kwargs: Any
) -> StorageFileResponse:
    """``length`` stored bytes from ``start``, their first chunk read now (in the view's
    thread); all of them when they fit in ``DOWNLOAD_WHOLE`` and in the budget."""
    whole = 0 < length <= DOWNLOAD_WHOLE and request.method != "HEAD" and _whole_take(length)
    held = length if whole else 0
    try:
        chunks = storage_read(row.storage_key, start, length, chunk_size=held or download_chunk())
    except BaseException:
        _whole_give(held)
        raise
    response = StorageFileResponse(chunks, held=held, **kwargs)
    response["Content-Length"] = str(length)
    try:
        response.read_ahead()
    except BaseException:
        response.close()
        raise
    return response
