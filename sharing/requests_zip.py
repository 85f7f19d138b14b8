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
from upload_center.downloads import StoredFileResponse
from upload_center.storage import storage_read


def _bytes_of(key: str) -> Iterator[bytes]:
    # Opened only when zipstream reaches the entry: one stored file open at a time.
    yield from storage_read(key, chunk_size=DOWNLOAD_BLOCK)


# Characters no Windows file name may hold: ``:`` would also make ``C:`` a drive
# letter, and ``/`` and ``\\`` a folder (APPNOTE 4.4.17: relative paths, no drive).
ENTRY_UNSAFE = str.maketrans(dict.fromkeys('/\\:*?"<>|', "-"))
# Device names Windows opens instead of a file, whatever the extension.
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10))}
)
# Bytes of each part (folder, file): the pair stays within every file system's 255
# per name and far within ZIP's 65535 per entry.
ENTRY_PART_BYTES = 120


def _bytes_cut(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def _entry_part(text: str, fallback: str) -> str:
    """One path segment that every common extractor writes inside its target folder:
    no separator, drive letter, control character, ``.``/``..`` or device name; bounded."""
    cleaned = "".join(ch if ch.isprintable() else "-" for ch in text).translate(ENTRY_UNSAFE)
    # Windows drops trailing dots and spaces, so ``..`` and ``a.`` would change meaning.
    cleaned = cleaned.strip(" ").rstrip(". ")
    stem, dot, ext = cleaned.rpartition(".")
    if dot and stem and len(ext.encode()) <= 16:
        cleaned = _bytes_cut(stem, ENTRY_PART_BYTES - len(ext.encode()) - 1).rstrip(". ") + "." + ext
    else:
        cleaned = _bytes_cut(cleaned, ENTRY_PART_BYTES).rstrip(". ")
    if not cleaned or cleaned.split(".")[0].strip().upper() in WINDOWS_DEVICES:
        cleaned = f"{fallback}-{cleaned}" if cleaned else fallback
    return cleaned


def _entry_name(uploader: str, name: str, taken: set[str]) -> str:
    """``<uploader>/<file>``, each part made safe; a repeat (two uploads of one name, or
    names that became one) gets `` (2)`` and so on. ``taken`` ignores case, as Windows
    and macOS do."""
    folder, file = _entry_part(uploader, "unnamed"), _entry_part(name, "file")
    candidate, number = f"{folder}/{file}", 1
    while candidate.lower() in taken:
        number += 1
        stem, dot, ext = file.rpartition(".")
        candidate = f"{folder}/{stem} ({number}).{ext}" if dot and stem else f"{folder}/{file} ({number})"
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
    name = f"{_entry_part(file_request.title, 'request')}.zip"
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
