"""The export's one retry policy: what is tried again, after how long, and by which layer.

**What.** An answer of 408, 409, 429 or any 5xx is transient, from the gallery site and
from the clouds alike (``status_is_transient``); timeouts and dropped connections too,
and Google's rate-limit 403s (its client adds them).
Any other 4xx is final for that photo. 401 is not a retry: the token is renewed once.
Answers a provider marks as permanent (a full disk, revoked access) stop the whole job.

**How long.** Before try ``n + 1``: ``EXPORT_RETRY_BASE_SECONDS * 2 ** (n - 1)``, times a
random factor between 0.5 and 1.5, so that parallel transfers that failed together do
not retry together (``delay``).

**Which layer.** Each failure is retried by exactly one layer, so the counts multiply nowhere:

1. The HTTP clients (``clients/``) repeat a request only to renew a refused token (once),
   and Google resumes a broken resumable chunk where its session stopped, up to
   ``CHUNK_RESUMES`` times, because starting the photo over would resend what arrived.
   Anything else they classify (``ExportFailed(retry=...)``) and hand up.
2. The runner gives each job step (listing, folder) ``ATTEMPTS`` attempts (``retrying``)
   and each photo ``ATTEMPTS`` attempts counted on its row, so a restarted worker does
   not grant new ones. The done callback gets ``EXPORT_CALLBACK_ATTEMPTS`` on any answer
   but 2xx, since it is the gallery site's only news of the end. (Yandex's 202 is polled
   for the stored file, not retried: the upload itself succeeded.)
3. Celery redelivers a task only when its worker died (late acks) and continues one that
   reached its soft time limit. It does not retry ``ExportFailed``: by then the runner
   has spent its attempts, and another round would only repeat them (five times five).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from cloud_export.exceptions import ExportFailed

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Attempts of one photo or one job step (listing, folder).
ATTEMPTS = 5
# Resumes of one broken Google resumable chunk before the photo's attempt fails.
CHUNK_RESUMES = 4
# 408 and 429 ask to come back later; 409 is a race on the cloud's side (a folder made
# a moment ago and not yet visible) that a later attempt usually wins.
TRANSIENT_STATUSES = frozenset({408, 409, 429})


def status_is_transient(status: int) -> bool:
    """Whether an HTTP answer with this status may succeed when asked again."""
    return status in TRANSIENT_STATUSES or status >= 500


def delay(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, with jitter so parallel retries spread out."""
    return float(settings.EXPORT_RETRY_BASE_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))


def retrying(step: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """``step()`` with up to ``attempts`` tries for transient errors; the last error becomes permanent."""
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except ExportFailed as e:
            if not e.retry or attempt == attempts:
                raise ExportFailed(str(e), permanent=True) from e
            logger.info("attempt %s of %s failed: %s", attempt, attempts, e)
            time.sleep(delay(attempt))
    raise AssertionError("unreachable")
