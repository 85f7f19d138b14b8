"""Running a job's photos: its rows from the listing, its cloud folders, and the threaded transfers.

Retries follow ``cloud_export.retry``: job steps through ``retrying``, photos through
attempts counted on their rows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction

from cloud_export import retry
from cloud_export.clients import CloudClient, SourceStream, TokenSource, cloud_client
from cloud_export.exceptions import ExportFailed
from cloud_export.models import ExportFolder, ExportItem, ExportJob, ExportRequest
from cloud_export.sources import gallery_listing_fetch, gallery_photo_read, stored_file_read
from upload_center.models import StoredFile

logger = logging.getLogger(__name__)


def items_list(job: ExportJob) -> None:
    """One row per photo, from the gallery listing or from the owner's stored files."""
    export = job.export_request
    rows = _gallery_items(job, export.archive_url) if export.archive_url else _stored_items(job, export)
    with transaction.atomic():
        # Another run of the same job may have listed it meanwhile (a redelivered task).
        if ExportJob.objects.select_for_update().filter(pk=job.pk, listed=False).exists():
            ExportItem.objects.bulk_create(rows)
            ExportJob.objects.filter(pk=job.pk).update(listed=True, total=len(rows))
    job.refresh_from_db()


def _gallery_items(job: ExportJob, archive_url: str) -> list[ExportItem]:
    listing = retry.retrying(partial(gallery_listing_fetch, archive_url=archive_url))
    rows = []
    for position, entry in enumerate(listing):
        *folders, name = [part for part in str(entry["name"]).split("/") if part not in {"", ".", ".."}] or [
            "-"
        ]
        rows.append(
            ExportItem(
                job=job,
                position=position,
                folder="/".join(folders),
                name=name,
                size=int(entry.get("filesize") or 0),
                source_url=str(entry["url"]),
                crc32=str(entry.get("crc") or "")[:8],
            )
        )
    return rows


def _stored_items(job: ExportJob, export: ExportRequest) -> list[ExportItem]:
    files = StoredFile.objects.stored().filter(owner=export.owner).order_by("name")
    if export.file_keys:
        files = files.filter(name__in=export.file_keys)
    return [
        ExportItem(
            job=job,
            position=position,
            name=stored.name,
            size=stored.size,
            storage_key=stored.storage_key,
            sha256=stored.sha256,
        )
        for position, stored in enumerate(files)
    ]


def folders_ensure(job: ExportJob, client: CloudClient) -> dict[str, str]:
    """Cloud ids of the export's folder ("") and every album folder, made at most once per job."""
    known = dict(job.folders.values_list("path", "cloud_id"))
    wanted = {""} | set(job.items.exclude(state=ExportItem.State.DONE).values_list("folder", flat=True))
    for path in sorted(wanted, key=lambda p: (p.count("/"), p) if p else (-1, "")):
        parts = path.split("/") if path else []
        for depth in range(len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub in known:
                continue
            parent = known[sub.rpartition("/")[0] if "/" in sub else ""] if sub else None
            name = parts[depth - 1] if sub else job.export_request.folder_name
            # find-or-create on the cloud side too: a crash between making and saving leaves it findable.
            cloud_id = retry.retrying(partial(client.make_folder, name=name, parent=parent))
            ExportFolder.objects.get_or_create(job=job, path=sub, defaults={"cloud_id": cloud_id})
            known[sub] = cloud_id
    return known


def _source(item: ExportItem, session: requests.Session) -> SourceStream:
    if item.source_url:
        chunks = gallery_photo_read(url=item.source_url, session=session)
    else:
        chunks = stored_file_read(key=item.storage_key)
    return SourceStream(chunks, size=item.size, crc32=item.crc32, sha256=item.sha256)


def _item_transfer(item: ExportItem, client: CloudClient, parent: str, session: requests.Session) -> str:
    """One attempt: the cloud file id of the photo, uploaded and confirmed."""
    if item.attempts > 1 or item.cloud_file_id:
        # The previous attempt's answer may have been lost after the cloud stored the file.
        existing = client.find(name=item.name, parent=parent)
        if existing is not None and existing.size == item.size:
            return existing.id
        if existing is not None:
            client.delete(file_id=existing.id)
    source = _source(item, session)
    remote = client.upload(name=item.name, parent=parent, source=source)
    return client.verify(file_id=remote.id, size=item.size, md5=source.md5).id


def _item_state_save(item: ExportItem, state: str, *fields: str) -> None:
    item.state = state
    item.save(update_fields=["state", *fields])


def _item_export(item: ExportItem, client: CloudClient, parent: str, stop: threading.Event) -> None:
    """Up to ``retry.ATTEMPTS`` attempts at one photo; a permanent error is raised for the job to stop."""
    # Uploads cut short by a token that died mid-request (and was renewed) are
    # repeated without using up an attempt: with several photos in flight on
    # short-lived tokens, one photo could otherwise lose every attempt that way.
    renewals_left = retry.ATTEMPTS
    with requests.Session() as session:
        while item.attempts < retry.ATTEMPTS and not stop.is_set():
            item.attempts += 1
            _item_state_save(item, ExportItem.State.UPLOADING, "attempts")
            try:
                item.cloud_file_id = _item_transfer(item, client, parent, session)
            except ExportFailed as e:
                item.last_error = str(e)[:2000]
                item.save(update_fields=["last_error"])
                if e.permanent:
                    raise
                if e.token_renewed and renewals_left > 0:
                    renewals_left -= 1
                    item.attempts -= 1
                    continue
                if not e.retry or item.attempts >= retry.ATTEMPTS:
                    break
                logger.info("item %s attempt %s failed: %s", item.pk, item.attempts, e)
                stop.wait(retry.delay(item.attempts))
                continue
            item.last_error = ""
            _item_state_save(item, ExportItem.State.DONE, "cloud_file_id", "last_error")
            return
        if not stop.is_set():
            _item_state_save(item, ExportItem.State.FAILED)


class _Transfers:
    """A job's photos in a few threads; the first permanent error stops them all."""

    def __init__(
        self, job: ExportJob, tokens: TokenSource, folders: dict[str, str], progress: Callable[[], object]
    ) -> None:
        self.stop = threading.Event()
        self.errors: list[ExportFailed] = []
        self._job, self._tokens, self._folders, self._progress = job, tokens, folders, progress
        self._local = threading.local()
        self._lock = threading.Lock()
        self._last_progress = 0.0

    def run_in_thread(self, item: ExportItem) -> None:
        try:
            self._run(item)
        finally:
            # Worker threads open their own database connections; close them with the thread's work.
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    def _run(self, item: ExportItem) -> None:
        if self.stop.is_set():
            return
        if not hasattr(self._local, "client"):
            self._local.client = cloud_client(
                cloud_type=self._job.export_request.cloud_type, tokens=self._tokens
            )
        try:
            _item_export(item, self._local.client, self._folders[item.folder], self.stop)
        except ExportFailed as e:
            self.errors.append(e)
            self.stop.set()
        except BaseException:
            self.stop.set()
            raise
        with self._lock:
            # At most a few progress events a second, however many photos finish.
            if time.monotonic() - self._last_progress > 0.5:
                self._last_progress = time.monotonic()
                self._progress()


def items_export(
    job: ExportJob, tokens: TokenSource, folders: dict[str, str], *, progress: Callable[[], object]
) -> None:
    """Every unfinished photo, ``EXPORT_PARALLEL_TRANSFERS`` at a time; raises the first permanent error."""
    transfers = _Transfers(job, tokens, folders, progress)
    pending = list(job.items.exclude(state__in=[ExportItem.State.DONE, ExportItem.State.FAILED]))
    with ThreadPoolExecutor(max_workers=max(1, settings.EXPORT_PARALLEL_TRANSFERS)) as pool:
        try:
            for future in [pool.submit(transfers.run_in_thread, item) for item in pending]:
                future.result()
        except BaseException:
            # A time limit or shutdown in the main thread: let the others stop after their current photo.
            transfers.stop.set()
            raise
    close_old_connections()
    if transfers.errors:
        raise transfers.errors[0]
