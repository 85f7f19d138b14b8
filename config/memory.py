"""Keeps the server's memory flat across many large uploads (glibc only).

glibc serves a block over its mmap threshold from a fresh mapping and gives it
back on free; but the threshold starts at 128 KiB and moves up to the size of
each such block freed. After the first S3 part is freed, every later part
(5 MiB and up) comes from the heap, whose freed space stays in the process:
RSS grows with each upload. Fixing the threshold above the body's chunks and
the download blocks (config.tuning), and below the smallest part, keeps the small ones
reused in the heap and returns each part's memory when it is sent.

glibc also gives each thread that allocates its own arena (up to 8 per core), whose
freed blocks stay in that thread's heap: a gthread worker's threads each kept a few
MiB of download blocks. A fixed number of arenas (``ARENA_MAX``) shares them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

from config.tuning import ARENA_MAX, MMAP_THRESHOLD, TRIM_THRESHOLD

# From glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
logger = logging.getLogger(__name__)


def malloc_tune() -> bool:
    """Set glibc's mmap and trim thresholds; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    chosen = {M_MMAP_THRESHOLD: MMAP_THRESHOLD, M_TRIM_THRESHOLD: TRIM_THRESHOLD, M_ARENA_MAX: ARENA_MAX}
    for option, value in chosen.items():
        if mallopt(option, value) != 1:
            logger.warning("mallopt(%d, %d) was refused", option, value)
            return False
    return True
