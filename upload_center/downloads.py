"""Streaming file responses: Range, ETag / Last-Modified, safe headers."""

from __future__ import annotations

import contextlib
import mimetypes
import re
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_etags

from upload_center.models import StoredFile
from upload_center.storage import storage_read

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


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


async def _async_chunks(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    # Under ASGI a sync iterator would be read whole into memory by Django;
    # each chunk is read in a worker thread instead.
    read = sync_to_async(lambda: next(chunks, None), thread_sensitive=False)
    try:
        while (chunk := await read()) is not None:
            yield chunk
    finally:
        # A client gone mid-read cancels this while next() still runs in its
        # thread; the generator then closes itself once that read ends.
        with contextlib.suppress(ValueError):
            await sync_to_async(chunks.close, thread_sensitive=False)()  # type: ignore[attr-defined]


def file_response(request: HttpRequest, row: StoredFile) -> HttpResponseBase:
    headers = {
        "ETag": row.etag,
        "Last-Modified": http_date(row.created_at.timestamp()),
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        # A user's HTML or SVG opened from this site can run no script here.
        "Content-Security-Policy": "sandbox",
        "Content-Disposition": content_disposition_header(True, row.name),
    }
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

    content_type = mimetypes.guess_type(row.name)[0] or "application/octet-stream"
    response = StreamingHttpResponse(
        _async_chunks(storage_read(row.storage_key, start, length)),
        status=status,
        content_type=content_type,
        headers=headers,
    )
    response["Content-Length"] = str(length)
    return response
