"""Download counts: which answers count as a download, and the counter itself.

A download resumed or read in pieces (Range after the first byte) is the rest of
one already counted; a 304 or a HEAD sends no file.
"""

from __future__ import annotations

import re

from django.db.models import F
from django.http import HttpRequest

from upload_center.models import StoredFile

# 200 and 206 send the bytes; 302 hands them to S3 (DOWNLOAD_OFFLOAD=s3-redirect).
COUNTED_STATUSES = frozenset({200, 206, 302})
_RANGE_START = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-")


def download_counted(*, request: HttpRequest, status: int) -> bool:
    """Whether an answer of ``status`` to ``request`` is a download to count.

    Decided from the request's Range (not the answer's Content-Range) so that
    answers offloaded to nginx, which applies the Range itself, count alike."""
    if request.method != "GET" or status not in COUNTED_STATUSES:
        return False
    match = _RANGE_START.match(request.headers.get("Range", ""))
    return match is None or (match.group(1) != "" and int(match.group(1)) == 0)


def file_download_count(*, file_id: int) -> None:
    # One UPDATE: downloads finishing together never lose a count to a read-modify-write.
    StoredFile.objects.filter(pk=file_id).update(download_count=F("download_count") + 1)


def download_record(*, request: HttpRequest, status: int, file_id: int) -> None:
    """Counts the answer's download for its file when it is one (download_counted)."""
    if download_counted(request=request, status=status):
        file_download_count(file_id=file_id)
