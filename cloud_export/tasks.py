"""Celery tasks of the export: thin, by id, resumable."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from cloud_export.services import export_job_run


# Redelivery only (cloud_export.retry, layer 3): a task whose worker died is delivered again
# (late acks), and no ExportFailed is retried here, since the runner has spent its attempts.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.EXPORT_JOB_TIME_LIMIT_SECONDS,
    time_limit=settings.EXPORT_JOB_TIME_LIMIT_SECONDS + 120,
)
def export_job_run_task(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        export_job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        # A long job continues in a fresh task: the items say where it stopped.
        raise self.retry(countdown=1, max_retries=None) from None
