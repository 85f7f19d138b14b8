"""All the files handed in to a request as one ZIP, built while it is sent.

zipstream-ng writes each entry's header, then its bytes as they are read from
storage (one file open at a time, one chunk in memory), then the central
directory: memory stays flat whatever the archive's size. Entries are stored, not
compressed, so the archive's length is known first (``Content-Length``, and
download progress in the browser); ZIP64 records are written for any entry or
offset past 4 GiB.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.http import content_disposition_header
from zipstream import ZIP_STORED, ZipStream

from config.tuning import DOWNLOAD_BLOCK
from sharing.models import FileRequest
from sharing.requests_selectors import request_files
from sharing.requests_services import NAME_PART_FIXES
from upload_center.downloads import StoredFileResponse
from upload_center.storage import storage_read


def _bytes_of(key: str) -> Iterator[bytes]:
    # Opened only when zipstream reaches the entry: one stored file open at a time.
    yield from storage_read(key, chunk_size=DOWNLOAD_BLOCK)


def _entry_name(uploader: str, name: str, taken: set[str]) -> str:
    """``<uploader>/<file>``; a repeat (two uploads of one name) gets `` (2)`` and so on."""
    folder = uploader.translate(NAME_PART_FIXES).strip(" .") or "unnamed"
    candidate, number = f"{folder}/{name}", 1
    while candidate.lower() in taken:
        number += 1
        stem, dot, ext = name.rpartition(".")
        candidate = f"{folder}/{stem} ({number}).{ext}" if dot and stem else f"{folder}/{name} ({number})"
    taken.add(candidate.lower())
    return candidate


def request_zip(*, file_request: FileRequest) -> ZipStream:
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    taken: set[str] = set()
    for row in request_files(file_request=file_request):
        archive.add(
            _bytes_of(row.file.storage_key),
            _entry_name(row.submission.uploader, row.original_name, taken),
            size=row.file.size,
        )
    return archive


def request_zip_response(*, file_request: FileRequest) -> StoredFileResponse:
    """The ZIP as a streaming answer: each chunk is built as the server takes it."""
    archive = request_zip(file_request=file_request)
    name = f"{file_request.title.translate(NAME_PART_FIXES).strip() or 'request'}.zip"
    response = StoredFileResponse(
        archive,  # not a generator: its chunks are taken as they come
        content_type="application/zip",
        headers={
            "Content-Disposition": content_disposition_header(True, name),
            "X-Content-Type-Options": "nosniff",
        },
    )
    response["Content-Length"] = str(len(archive))
    return response
