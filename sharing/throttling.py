"""Password guessing on share links, limited per link and client address.

Not per link alone: a stranger's guesses would then lock the whole class out
(oCIS's lock-out). Not per address alone either: one school NAT is hundreds of
students, each may mistype once. So each (link, address) pair gets a generous
number of failures in a short fixed window; past it that pair waits for the
window's end (429, Retry-After), everyone else and every other link go on.
Counters live in the ``default`` cache (Redis with REDIS_URL), shared by all
web processes.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(link_id: int, address: str, window: int) -> str:
    # Hashed: any address text becomes a short safe key.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"share-password:{link_id}:{digest}:{window}"


def _window(now: float) -> tuple[int, int]:
    """(the fixed window's number, seconds until it ends)."""
    length = settings.SHARE_PASSWORD_WINDOW_SECONDS
    return int(now // length), length - int(now % length)


def password_wait(*, link_id: int, address: str) -> int:
    """Seconds this address must wait before trying this link's password again; 0: it may try."""
    window, left = _window(time.time())
    failures = int(cache.get(_key(link_id, address, window), 0))
    return left if failures >= settings.SHARE_PASSWORD_FAILURES_PER_WINDOW else 0


def password_failure_count(*, link_id: int, address: str) -> None:
    window, left = _window(time.time())
    key = _key(link_id, address, window)
    # add, then incr: two failures at once never both start the counter at 1.
    if not cache.add(key, 1, timeout=left + 1):
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.add(key, 1, timeout=left + 1)
