"""Download counts: which answers count as a download, and the counter itself.

A download resumed or read in pieces (Range after the first byte) is the rest of
one already counted; a 304 or a HEAD sends no file.
"""

from __future__ import annotations

import atexit
import logging
import re
import threading
from collections import Counter

from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import F
from django.http import HttpRequest

from upload_center.models import StoredFile

logger = logging.getLogger(__name__)

# 200 and 206 send the bytes; 302 hands them to S3 (DOWNLOAD_OFFLOAD=s3-redirect).
COUNTED_STATUSES = frozenset({200, 206, 302})
_RANGE_START = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-")


def bytes_answered(*, request: HttpRequest, status: int) -> bool:
    """Whether an answer of ``status`` to ``request`` sends (or hands over) file bytes."""
    return request.method == "GET" and status in COUNTED_STATUSES


def range_continues(request: HttpRequest) -> bool:
    """The request asks for a Range after byte 0 (or a tail): the rest of a download.

    Decided from the request's Range (not the answer's Content-Range) so that
    answers offloaded to nginx, which applies the Range itself, count alike."""
    match = _RANGE_START.match(request.META.get("HTTP_RANGE", ""))  # request.headers would parse them all
    return match is not None and (match.group(1) == "" or int(match.group(1)) != 0)


def download_counted(*, request: HttpRequest, status: int) -> bool:
    """Whether an answer of ``status`` to ``request`` is a download to count."""
    return bytes_answered(request=request, status=status) and not range_continues(request)


def file_download_count(*, file_id: int, downloads: int = 1) -> None:
    # One UPDATE: downloads finishing together never lose a count to a read-modify-write.
    StoredFile.objects.filter(pk=file_id).update(download_count=F("download_count") + downloads)


class DownloadCounts:
    """Public downloads counted in this process and not yet written.

    A class opening one link in the same second made one UPDATE per download, each
    a write transaction (on SQLite, behind the process's write lock): here they
    add up in memory and a thread writes them at most every ``interval`` seconds,
    one UPDATE per file, and once more when the server stops (gunicorn's
    ``worker_exit`` hook, or config.lifespan under uvicorn; at exit otherwise). The
    trade-off: a process killed outright (SIGKILL, out of memory, power cut) loses
    the counts of its last ``interval``. Share links are
    not counted here: their limits need each count written before the bytes go
    (sharing.services.share_download_claim).
    """

    interval = 1.0

    def __init__(self) -> None:
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, file_id: int) -> None:
        with self._lock:
            self._pending[file_id] += 1
            if self._thread is None:  # started by the first count: after any fork of the server
                self._thread = threading.Thread(target=self._run, name="download-counts", daemon=True)
                self._thread.start()
                atexit.register(self.stop)

    def flush(self) -> None:
        """Writes the counts taken so far; on a database error they are kept for the next try."""
        with self._lock:
            taken, self._pending = self._pending, Counter()
        if not taken:
            return
        try:
            with transaction.atomic():  # one commit for all the files
                for file_id, downloads in sorted(taken.items()):
                    file_download_count(file_id=file_id, downloads=downloads)
        except DatabaseError:
            logger.exception("download counts not written; kept for the next flush")
            with self._lock:
                self._pending.update(taken)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.flush()
            close_old_connections()  # a connection broken or past CONN_MAX_AGE is reopened


# Set by a server's startup (config/gunicorn.py, config.lifespan); None: each count is
# written at once, as the test clients need (their transactions are invisible to another thread).
_batched: DownloadCounts | None = None


def download_counts_batch() -> None:
    """Public downloads of this process are counted in batches from now on."""
    global _batched
    _batched = _batched or DownloadCounts()


def download_counts_write() -> None:
    """Writes the batched counts now and stops their thread (the server is stopping)."""
    if _batched is not None:
        _batched.stop()


def download_record(*, request: HttpRequest, status: int, file_id: int) -> None:
    """Counts the answer's download for its file when it is one (download_counted)."""
    if not download_counted(request=request, status=status):
        return
    if _batched is not None:
        _batched.add(file_id)
    else:
        file_download_count(file_id=file_id)
