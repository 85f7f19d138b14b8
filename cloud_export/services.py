"""Export requests, OAuth, and running a job photo by photo (CONTRACT section 4)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from social_core.exceptions import AuthProviderError, SocialAuthBaseException

from account.events import user_event_send
from cloud_export.clients import CloudClient, SourceStream, cloud_client
from cloud_export.crypto import token_decrypt, token_encrypt
from cloud_export.exceptions import ExportFailed, ExportLinkInvalid
from cloud_export.models import ExportFolder, ExportItem, ExportJob, ExportRequest
from cloud_export.oauth import oauth_backend
from cloud_export.sources import gallery_listing_fetch, gallery_photo_read, stored_file_read
from upload_center.models import StoredFile

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Errors of social-auth that a later try may not repeat.
TRANSIENT_OAUTH_CODES = {"timeout", "connection_failed", "rate_limited", "unavailable", "tls_error"}


def retry_delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, with jitter so parallel retries spread out."""
    return settings.EXPORT_RETRY_BASE_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)


# --- requests and OAuth ---------------------------------------------------------------


def export_request_create(
    *,
    cloud_type: str,
    archive_type: str,
    gallery_name: str,
    redirect_success_link: str,
    redirect_fail_link: str,
    archive_url: str = "",
    owner: Any = None,
    file_keys: Iterable[str] = (),
) -> ExportRequest:
    return ExportRequest.objects.create(
        cloud_type=cloud_type,
        archive_type=archive_type,
        gallery_name=gallery_name,
        archive_url=archive_url,
        owner=owner,
        file_keys=list(file_keys),
        redirect_success_link=redirect_success_link,
        redirect_fail_link=redirect_fail_link,
        expires_at=timezone.now() + timedelta(seconds=settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS),
    )


def export_request_start(*, token: str, request: HttpRequest, redirect_uri: str) -> tuple[ExportRequest, str]:
    """Use the single-use start link: the export request and the provider's consent URL."""
    now = timezone.now()
    # Conditional update: of two clicks on one link, exactly one gets the row.
    started = ExportRequest.objects.filter(
        start_token=token, started_at__isnull=True, expires_at__gt=now
    ).update(started_at=now)
    export = ExportRequest.objects.filter(start_token=token).first()
    if export is None:
        raise ExportLinkInvalid("unknown start link")
    if not started:
        ExportRequest.objects.filter(pk=export.pk, finished_at__isnull=True).update(finished_at=now)
        raise ExportLinkInvalid("start link used or expired", fail_link=export.redirect_fail_link)
    backend = oauth_backend(
        cloud_type=export.cloud_type, request=request, redirect_uri=redirect_uri, state=export.state
    )
    return export, backend.auth_url()


def export_request_complete(
    *, request: HttpRequest, redirect_uri: str, browser_request_id: int | None
) -> str:
    """The provider's answer: exchange the code, queue the job; the link to send the browser to."""
    data = request.GET
    now = timezone.now()
    export = ExportRequest.objects.filter(state=data.get("state") or "-").first()
    if export is None:
        # A forged state: the request this browser started is spent, so it cannot be completed later.
        own = ExportRequest.objects.filter(pk=browser_request_id).first() if browser_request_id else None
        if own is None:
            raise ExportLinkInvalid("unknown OAuth state")
        ExportRequest.objects.filter(pk=own.pk, finished_at__isnull=True).update(finished_at=now)
        raise ExportLinkInvalid("forged OAuth state", fail_link=own.redirect_fail_link)
    # Conditional update: of a replayed or raced callback, only the first finishes the request.
    finished = ExportRequest.objects.filter(
        pk=export.pk, finished_at__isnull=True, started_at__isnull=False
    ).update(finished_at=now)
    if not finished:
        raise ExportLinkInvalid("OAuth state already used", fail_link=export.redirect_fail_link)
    if export.pk != browser_request_id:
        # Consent given in one browser must not be completed from another (login CSRF).
        raise ExportLinkInvalid("OAuth state from another browser", fail_link=export.redirect_fail_link)
    if now - (export.started_at or now) > timedelta(seconds=settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS):
        raise ExportLinkInvalid("consent took too long", fail_link=export.redirect_fail_link)

    backend = oauth_backend(
        cloud_type=export.cloud_type, request=request, redirect_uri=redirect_uri, state=export.state
    )
    try:
        backend.process_error(data)
        if not data.get("code"):
            raise ExportLinkInvalid("no authorization code", fail_link=export.redirect_fail_link)
        tokens = backend.request_access_token(
            backend.access_token_url(),
            data=backend.auth_complete_params(export.state),
            headers=backend.auth_headers(),
            auth=backend.auth_complete_credentials(),
            method=backend.ACCESS_TOKEN_METHOD,
        )
        access_token = backend.get_access_token(tokens)
    except (SocialAuthBaseException, requests.RequestException) as e:
        logger.info("export %s: consent or token exchange failed: %s", export.pk, e)
        raise ExportLinkInvalid(f"OAuth failed: {e}", fail_link=export.redirect_fail_link) from e
    account = ""
    try:
        info = backend.user_data(access_token) or {}
        account = str(info.get("email") or info.get("default_email") or info.get("login") or "")
    except (SocialAuthBaseException, requests.RequestException) as e:
        # Only shown in the admin; the export does not need it.
        logger.info("export %s: user info unavailable: %s", export.pk, e)
    with transaction.atomic():
        job = ExportJob.objects.create(
            request=export,
            access_token_encrypted=token_encrypt(access_token),
            refresh_token_encrypted=token_encrypt(str(tokens.get("refresh_token") or "")),
            token_expires_at=_expiry(tokens),
            cloud_account=account[:255],
        )
        export_job_queue(job=job)
    return export.redirect_success_link


def _expiry(tokens: dict[str, Any]) -> Any:
    try:
        return timezone.now() + timedelta(seconds=int(tokens["expires_in"]))
    except (KeyError, TypeError, ValueError):
        return None


class JobTokens:
    """The job's access token, renewed with its refresh token when it expires (shared by a job's threads)."""

    def __init__(self, job: ExportJob) -> None:
        self._job_id = job.pk
        self._cloud_type = job.request.cloud_type
        self._access = token_decrypt(job.access_token_encrypted)
        self._refresh = token_decrypt(job.refresh_token_encrypted)
        self._expires = job.token_expires_at
        self._lock = threading.Lock()

    def current(self) -> str:
        with self._lock:
            # A minute early, so a token does not expire between the check and a long upload.
            if self._expires and self._expires - timezone.now() < timedelta(seconds=60):
                self._renew()
            return self._access

    def renew(self, stale: str) -> str:
        with self._lock:
            if self._access == stale:
                self._renew()
            return self._access

    def _renew(self) -> None:
        if not self._refresh:
            raise ExportFailed("the access token expired and there is no refresh token", permanent=True)
        backend = oauth_backend(cloud_type=self._cloud_type)
        try:
            tokens = backend.refresh_token(self._refresh)
        except SocialAuthBaseException as e:
            transient = isinstance(e, AuthProviderError) and getattr(e, "code", "") in TRANSIENT_OAUTH_CODES
            raise ExportFailed(f"token refresh failed: {e}", permanent=not transient) from e
        self._access = str(tokens["access_token"])
        self._refresh = str(tokens.get("refresh_token") or self._refresh)
        self._expires = _expiry(tokens)
        ExportJob.objects.filter(pk=self._job_id).update(
            access_token_encrypted=token_encrypt(self._access),
            refresh_token_encrypted=token_encrypt(self._refresh),
            token_expires_at=self._expires,
        )


# --- jobs ------------------------------------------------------------------------------


def export_job_queue(*, job: ExportJob) -> None:
    from cloud_export.tasks import export_job_run_task

    # The queue is read at call time, so a test (or a second deployment) can route its jobs apart.
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    transaction.on_commit(lambda: export_job_run_task.apply_async(args=[job.pk], queue=queue))


def export_job_retry_failed(*, job: ExportJob) -> int:
    """Give the job's failed photos new attempts and queue it again; the number of photos reset."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        reset = job.items.filter(state=ExportItem.State.FAILED).update(
            state=ExportItem.State.PENDING, attempts=0, last_error=""
        )
        if not reset and job.listed:
            return 0
        job.state = ExportJob.State.QUEUED
        job.error = ""
        job.callback_sent_at = None
        job.finished_at = None
        job.save(update_fields=["state", "error", "callback_sent_at", "finished_at"])
        export_job_queue(job=job)
    return reset


def _items_create(job: ExportJob) -> None:
    """One row per photo, from the gallery listing or from the owner's stored files."""
    export = job.request
    rows: list[ExportItem] = []
    if export.archive_url:
        listing = _retrying(partial(gallery_listing_fetch, archive_url=export.archive_url))
        for position, entry in enumerate(listing):
            *folders, name = [
                part for part in str(entry["name"]).split("/") if part not in {"", ".", ".."}
            ] or ["-"]
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
    else:
        files = StoredFile.objects.stored().filter(owner=export.owner).order_by("name")
        if export.file_keys:
            files = files.filter(name__in=export.file_keys)
        for position, stored in enumerate(files):
            rows.append(
                ExportItem(
                    job=job,
                    position=position,
                    name=stored.name,
                    size=stored.size,
                    storage_key=stored.storage_key,
                    sha256=stored.sha256,
                )
            )
    with transaction.atomic():
        # Another run of the same job may have listed it meanwhile (a redelivered task).
        if ExportJob.objects.select_for_update().filter(pk=job.pk, listed=False).exists():
            ExportItem.objects.bulk_create(rows)
            ExportJob.objects.filter(pk=job.pk).update(listed=True, total=len(rows))
    job.refresh_from_db()


def _folders_ensure(job: ExportJob, client: CloudClient) -> dict[str, str]:
    """Cloud ids of the gallery folder ("") and every album folder, made at most once per job."""
    known = dict(job.folders.values_list("path", "cloud_id"))
    wanted = {""} | set(job.items.exclude(state=ExportItem.State.DONE).values_list("folder", flat=True))
    for path in sorted(wanted, key=lambda p: (p.count("/"), p) if p else (-1, "")):
        parts = path.split("/") if path else []
        for depth in range(len(parts) + 1):
            sub = "/".join(parts[:depth])
            if sub in known:
                continue
            parent = known[sub.rpartition("/")[0] if "/" in sub else ""] if sub else None
            name = parts[depth - 1] if sub else job.request.gallery_name
            # find-or-create on the cloud side too: a crash between making and saving leaves it findable.
            cloud_id = _retrying(partial(client.make_folder, name=name, parent=parent))
            ExportFolder.objects.get_or_create(job=job, path=sub, defaults={"cloud_id": cloud_id})
            known[sub] = cloud_id
    return known


def _retrying(step: Any) -> Any:
    """``step()`` with up to MAX_ATTEMPTS attempts for errors that a later attempt may not repeat."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return step()
        except ExportFailed as e:
            if not e.retry or attempt == MAX_ATTEMPTS:
                raise ExportFailed(str(e), permanent=True) from e
            time.sleep(retry_delay(attempt))
    raise AssertionError("unreachable")


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


def _item_export(item: ExportItem, client: CloudClient, parent: str, stop: threading.Event) -> None:
    """Up to MAX_ATTEMPTS attempts at one photo; a permanent error is raised for the job to stop."""
    session = requests.Session()
    # Uploads cut short by a token that died mid-request (and was renewed) are
    # repeated without using up an attempt: with several photos in flight on
    # short-lived tokens, one photo could otherwise lose every attempt that way.
    renewals_left = MAX_ATTEMPTS
    try:
        while item.attempts < MAX_ATTEMPTS and not stop.is_set():
            item.attempts += 1
            item.state = ExportItem.State.UPLOADING
            item.save(update_fields=["attempts", "state"])
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
                if not e.retry or item.attempts >= MAX_ATTEMPTS:
                    break
                logger.info("item %s attempt %s failed: %s", item.pk, item.attempts, e)
                stop.wait(retry_delay(item.attempts))
                continue
            item.state = ExportItem.State.DONE
            item.last_error = ""
            item.save(update_fields=["state", "cloud_file_id", "last_error"])
            return
        if not stop.is_set():
            item.state = ExportItem.State.FAILED
            item.save(update_fields=["state"])
    finally:
        session.close()


def export_job_progress(*, job: ExportJob) -> ExportJob:
    """Recount the job from its items, save the counts, and tell the owner's open pages."""
    counts = job.items.aggregate(
        done=Count("pk", filter=Q(state=ExportItem.State.DONE)),
        failed=Count("pk", filter=Q(state=ExportItem.State.FAILED)),
    )
    ExportJob.objects.filter(pk=job.pk).update(**counts)
    job.done, job.failed = counts["done"], counts["failed"]
    if job.request.owner_id:
        event = {"kind": "EXPORT_PROGRESS", "job_id": job.pk, "state": job.state, "total": job.total}
        user_event_send(user_id=job.request.owner_id, event={**event, "done": job.done, "failed": job.failed})
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Run (or resume) a job to its end: every photo done or failed, then the done callback."""
    job = ExportJob.objects.select_related("request").get(pk=job_id)
    if job.state in {ExportJob.State.DONE, ExportJob.State.FAILED} and (
        job.callback_sent_at or not job.is_gallery_export
    ):
        return job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING)
    job.state = ExportJob.State.RUNNING
    tokens = JobTokens(job)
    try:
        if not job.listed:
            _items_create(job)
        export_job_progress(job=job)
        folders = _folders_ensure(job, cloud_client(cloud_type=job.request.cloud_type, tokens=tokens))
        _items_export(job, tokens, folders)
    except ExportFailed as e:
        if not e.permanent:
            raise
        _job_stop(job, reason=str(e))
    else:
        job.state = ExportJob.State.DONE
        ExportJob.objects.filter(pk=job.pk).update(state=job.state, finished_at=timezone.now())
    export_job_progress(job=job)
    if job.is_gallery_export and job.listed:
        gallery_done_notify(job=job)
    return job


def _items_export(job: ExportJob, tokens: JobTokens, folders: dict[str, str]) -> None:
    """Every unfinished photo, a few at a time; the first permanent error stops them all."""
    stop = threading.Event()
    errors: list[ExportFailed] = []
    local = threading.local()
    last_progress = [0.0]
    lock = threading.Lock()

    def run(item: ExportItem) -> None:
        if stop.is_set():
            return
        if not hasattr(local, "client"):
            local.client = cloud_client(cloud_type=job.request.cloud_type, tokens=tokens)
        try:
            _item_export(item, local.client, folders[item.folder], stop)
        except ExportFailed as e:
            errors.append(e)
            stop.set()
        except BaseException:
            stop.set()
            raise
        with lock:
            # At most a few progress events a second, however many photos finish.
            if time.monotonic() - last_progress[0] > 0.5:
                last_progress[0] = time.monotonic()
                export_job_progress(job=job)

    def run_in_thread(item: ExportItem) -> None:
        try:
            run(item)
        finally:
            # Worker threads open their own database connections; close them with the thread's work.
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    pending = list(job.items.exclude(state__in=[ExportItem.State.DONE, ExportItem.State.FAILED]))
    with ThreadPoolExecutor(max_workers=max(1, settings.EXPORT_PARALLEL_TRANSFERS)) as pool:
        try:
            for future in [pool.submit(run_in_thread, item) for item in pending]:
                future.result()
        except BaseException:
            # A time limit or shutdown in the main thread: let the others stop after their current photo.
            stop.set()
            raise
    close_old_connections()
    if errors:
        raise errors[0]


def _job_stop(job: ExportJob, *, reason: str) -> None:
    """A permanent error: the photos not done yet fail with the reason, and the job ends."""
    job.items.exclude(state=ExportItem.State.DONE).update(
        state=ExportItem.State.FAILED, last_error=f"job stopped: {reason}"[:2000]
    )
    job.state = ExportJob.State.FAILED
    job.error = reason
    ExportJob.objects.filter(pk=job.pk).update(state=job.state, error=reason, finished_at=timezone.now())


def gallery_done_notify(*, job: ExportJob) -> None:
    """POST the done callback, retried (bounded) until the gallery site answers 2xx."""
    if job.callback_sent_at:
        return
    url = settings.GALLERY_API_BASE.rstrip("/") + "/cloud_archive/done"
    export = job.request
    body: dict[str, str | int] = {
        "cloud_type": export.cloud_type,
        "failed_photos": job.failed,
        "archive_type": export.archive_type,
        "gallery_name": export.gallery_name,
        "archive_url": export.archive_url,
        "total_photos": job.total,
    }
    timeout = settings.EXPORT_HTTP_TIMEOUT_SECONDS
    for attempt in range(1, settings.EXPORT_CALLBACK_ATTEMPTS + 1):
        try:
            response = requests.post(url, json=body, timeout=(timeout, timeout))
            if response.ok:
                job.callback_sent_at = timezone.now()
                ExportJob.objects.filter(pk=job.pk).update(callback_sent_at=job.callback_sent_at)
                return
            problem = f"HTTP {response.status_code}"
        except requests.RequestException as e:
            problem = f"{type(e).__name__}: {e}"
        logger.warning("job %s: done callback attempt %s failed: %s", job.pk, attempt, problem)
        if attempt < settings.EXPORT_CALLBACK_ATTEMPTS:
            time.sleep(retry_delay(attempt))
    error = f"done callback failed {settings.EXPORT_CALLBACK_ATTEMPTS} times"
    job.error = f"{job.error}; {error}" if job.error else error
    ExportJob.objects.filter(pk=job.pk).update(error=job.error)
