"""Export requests and jobs (CONTRACT section 4): create, queue, run, report.

The consent step is in ``oauth_flow``, token renewal in ``tokens``, the photo-by-photo
transfers in ``runner`` and the retry policy of every layer in ``retry``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cloud_export import retry, runner
from cloud_export.clients import cloud_client
from cloud_export.exceptions import ExportFailed
from cloud_export.models import ExportItem, ExportJob, ExportRequest
from cloud_export.tokens import JobTokens
from config.events import user_event_send

logger = logging.getLogger(__name__)


def export_request_create(
    *,
    cloud_type: str,
    archive_type: str,
    folder_name: str,
    redirect_success_link: str,
    redirect_fail_link: str,
    archive_url: str = "",
    owner: Any = None,
    file_keys: Iterable[str] = (),
) -> ExportRequest:
    return ExportRequest.objects.create(
        cloud_type=cloud_type,
        archive_type=archive_type,
        folder_name=folder_name,
        archive_url=archive_url,
        owner=owner,
        file_keys=list(file_keys),
        redirect_success_link=redirect_success_link,
        redirect_fail_link=redirect_fail_link,
        expires_at=timezone.now() + timedelta(seconds=settings.CLOUD_ARCHIVE_LINK_TTL_SECONDS),
    )


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


def export_job_progress(*, job: ExportJob) -> ExportJob:
    """Recount the job from its items, save the counts, and tell the owner's open pages."""
    counts = job.items.aggregate(
        done=Count("pk", filter=Q(state=ExportItem.State.DONE)),
        failed=Count("pk", filter=Q(state=ExportItem.State.FAILED)),
    )
    ExportJob.objects.filter(pk=job.pk).update(**counts)
    job.done, job.failed = counts["done"], counts["failed"]
    owner_id = job.export_request.owner_id
    if owner_id:
        event = {"kind": "EXPORT_PROGRESS", "job_id": job.pk, "state": job.state, "total": job.total}
        user_event_send(user_id=owner_id, event={**event, "done": job.done, "failed": job.failed})
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Run (or resume) a job to its end: every photo done or failed, then the done callback."""
    job = ExportJob.objects.select_related("export_request").get(pk=job_id)
    if job.state in {ExportJob.State.DONE, ExportJob.State.FAILED} and (
        job.callback_sent_at or not job.is_gallery_export
    ):
        return job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.RUNNING)
    job.state = ExportJob.State.RUNNING
    tokens = JobTokens(job)
    try:
        if not job.listed:
            runner.items_list(job)
        export_job_progress(job=job)
        folders = runner.folders_ensure(
            job, cloud_client(cloud_type=job.export_request.cloud_type, tokens=tokens)
        )
        runner.items_export(job, tokens, folders, progress=partial(export_job_progress, job=job))
    except ExportFailed as e:
        # What reaches here has used up its attempts (cloud_export.retry): the job stops.
        _job_stop(job, reason=str(e))
    else:
        job.state = ExportJob.State.DONE
        ExportJob.objects.filter(pk=job.pk).update(state=job.state, finished_at=timezone.now())
    export_job_progress(job=job)
    if job.is_gallery_export and job.listed:
        gallery_done_notify(job=job)
    return job


def _job_stop(job: ExportJob, *, reason: str) -> None:
    """A permanent error: the photos not done yet fail with the reason, and the job ends."""
    job.items.exclude(state=ExportItem.State.DONE).update(
        state=ExportItem.State.FAILED, last_error=f"job stopped: {reason}"[:2000]
    )
    job.state = ExportJob.State.FAILED
    job.error = reason
    ExportJob.objects.filter(pk=job.pk).update(state=job.state, error=reason, finished_at=timezone.now())


def gallery_done_notify(*, job: ExportJob) -> None:
    """POST the done callback, retried (``EXPORT_CALLBACK_ATTEMPTS``) until the gallery site answers 2xx."""
    if job.callback_sent_at:
        return
    export = job.export_request
    body: dict[str, str | int] = {
        "cloud_type": export.cloud_type,
        "failed_photos": job.failed,
        "archive_type": export.archive_type,
        "gallery_name": export.folder_name,
        "archive_url": export.archive_url,
        "total_photos": job.total,
    }
    try:
        retry.retrying(partial(_done_post, body), attempts=settings.EXPORT_CALLBACK_ATTEMPTS)
    except ExportFailed as e:
        logger.warning("job %s: %s", job.pk, e)
        error = f"done callback failed {settings.EXPORT_CALLBACK_ATTEMPTS} times"
        job.error = f"{job.error}; {error}" if job.error else error
        ExportJob.objects.filter(pk=job.pk).update(error=job.error)
        return
    job.callback_sent_at = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(callback_sent_at=job.callback_sent_at)


def _done_post(body: dict[str, str | int]) -> None:
    url = settings.GALLERY_API_BASE.rstrip("/") + "/cloud_archive/done"
    timeout = settings.EXPORT_HTTP_TIMEOUT_SECONDS
    try:
        response = requests.post(url, json=body, timeout=(timeout, timeout))
    except requests.RequestException as e:
        raise ExportFailed(f"done callback: {type(e).__name__}: {e}") from e
    if not response.ok:
        # Any answer but 2xx is tried again: the callback is the gallery site's only news of the end.
        raise ExportFailed(f"done callback: HTTP {response.status_code}")
