"""Keeps the server's memory flat across many large uploads (glibc only).

glibc serves a block over its mmap threshold from a fresh mapping and gives it
back on free; but the threshold starts at 128 KiB and moves up to the size of
each such block freed. After the first S3 part is freed, every later part
(5 MiB and up) comes from the heap, whose freed space stays in the process:
RSS grows with each upload. Fixing the threshold above the body's chunks and
the download chunks (256 KiB at most), and below the smallest part, keeps the small ones
reused in the heap and returns each part's memory when it is sent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

# From glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 5 * 1024 * 1024 - 64 * 1024  # below S3's smallest part (5 MiB)
# Setting the mmap threshold also stops glibc from moving the trim threshold
# (128 KiB); it is set as glibc's own rule would: twice the mmap threshold, or
# the heap's top is handed back and faulted in again for every few chunks.
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
logger = logging.getLogger(__name__)


def malloc_tune() -> bool:
    """Set glibc's mmap and trim thresholds; False where the C library is not glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    for option, value in ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        if mallopt(option, value) != 1:
            logger.warning("mallopt(%d, %d) was refused", option, value)
            return False
    return True
