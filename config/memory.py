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

Python's cyclic collector, once the application is loaded, is the other cost of a
server process: see ``loaded_heap_freeze``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
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


def loaded_heap_freeze() -> int:
    """Loads the URLconf (and with it every view module), then moves every object alive
    now out of the cyclic collector's reach (``gc.freeze``); the number frozen.

    Called once a server process has loaded the application and before it answers. A
    full collection walked the ~130,000 objects of the loaded project each time: 70-120
    ms of CPU with the GIL held, every thread of a gthread worker stopped, a few times a
    second under a class's downloads (the p99 of bench/class_load.py's (a)). What is
    frozen lives as long as the process anyway (modules, classes, settings, URL patterns).
    """
    from django.urls import resolve

    resolve("/healthz")
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
