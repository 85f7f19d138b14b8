"""Streaming file responses: Range, ETag / Last-Modified, safe headers."""

from __future__ import annotations

import functools
import mimetypes
import re

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header, http_date, parse_etags

from config.tuning import DOWNLOAD_BLOCK
from upload_center.models import StoredFile
from upload_center.storage import storage_open

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


class StoredFileResponse(FileResponse):
    """Django's FileResponse over a window of a stored file (storage_open).

    Under gunicorn a file on local disk goes out through ``wsgi.file_wrapper`` with
    sendfile: the window's file descriptor stands at its start, and gunicorn sends
    Content-Length bytes from there. Anywhere else (S3, the ASGI adapter, the test
    clients) the response is iterated in blocks of ``DOWNLOAD_BLOCK``, one held at a
    time, read only as the server takes them.
    """

    block_size = DOWNLOAD_BLOCK


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
    response: HttpResponseBase
    if request.method == "HEAD":
        response = HttpResponse(status=status, content_type=content_type, headers=headers)
    else:
        window = storage_open(row.storage_key, start, length)
        response = StoredFileResponse(window, status=status, content_type=content_type, headers=headers)
    response["Content-Length"] = str(length)
    return response
