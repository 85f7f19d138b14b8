"""Password guessing on share links, limited per link and client address.

Not per link alone: a stranger's guesses would then lock the whole class out
(oCIS's lock-out). Not per address alone either: one school NAT is hundreds of
students, each may mistype once. So each (link, address) pair gets a generous
number of failures in any sliding window of SHARE_PASSWORD_WINDOW_SECONDS; past it
that pair waits (429, Retry-After) until its oldest failures leave the window,
everyone else and every other link go on.

The window slides in SLOTS steps: failures are counted per slot (atomic add/incr
in the ``default`` cache, Redis with REDIS_URL, shared by all web processes), and
a guess is allowed while the slots that overlap the last window hold fewer than the
limit. Those slots cover a little more than the window, so no window ever holds
more failures than the limit (fixed windows let a guesser make twice the limit
across a boundary).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

SLOTS = 12


def _slot_seconds() -> float:
    return settings.SHARE_PASSWORD_WINDOW_SECONDS / SLOTS


def _key(link_id: int, address: str, slot: int) -> str:
    # Hashed: any address text becomes a short safe key.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"share-password:{link_id}:{digest}:{slot}"


def password_wait(*, link_id: int, address: str) -> int:
    """Seconds this address must wait before trying this link's password again; 0: it may try."""
    now = time.time()
    current = int(now // _slot_seconds())
    slots = list(range(current - SLOTS, current + 1))  # oldest first; the oldest partly in the window
    found = cache.get_many([_key(link_id, address, slot) for slot in slots])
    counts = [int(found.get(_key(link_id, address, slot), 0)) for slot in slots]
    excess = sum(counts) - settings.SHARE_PASSWORD_FAILURES_PER_WINDOW + 1
    if excess <= 0:
        return 0
    # Wait until enough of the oldest slots have left: slot s leaves at (s + SLOTS + 1) * length.
    # Never past a whole window: every failure counted so far happened before now.
    window = settings.SHARE_PASSWORD_WINDOW_SECONDS
    for slot, count in zip(slots, counts, strict=True):
        excess -= count
        if excess <= 0:
            return max(1, min(window, math.ceil((slot + SLOTS + 1) * _slot_seconds() - now)))
    return window  # unreachable: the sum covered every slot


def password_failure_count(*, link_id: int, address: str) -> None:
    key = _key(link_id, address, int(time.time() // _slot_seconds()))
    timeout = settings.SHARE_PASSWORD_WINDOW_SECONDS + 2 * math.ceil(_slot_seconds())
    # add, then incr: two failures at once never both start the counter at 1.
    if not cache.add(key, 1, timeout=timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)
