"""Celery tasks of the LTI door: thin, by id."""

from __future__ import annotations

from celery import shared_task

from cloud_export.retry import ATTEMPTS, delay
from lti.errors import ScoreNotPosted
from lti.services import score_send


# The project's retry policy (cloud_export/retry.py): transient answers are tried again,
# ATTEMPTS in all, after exponential delays with jitter; a final answer is not retried.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=300)
def score_post_task(self, score_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        score_send(score_id=score_id)
    except ScoreNotPosted as e:
        if not e.retry or self.request.retries + 1 >= ATTEMPTS:
            raise
        raise self.retry(countdown=delay(self.request.retries + 1), max_retries=ATTEMPTS - 1) from e
