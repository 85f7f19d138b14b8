"""The sizes and counts that tune the bytes' path and the servers, in one place.

Each is a trade of memory for calls per byte; the invariants below are what the
rest of the code relies on, checked when this module is imported (at start).
"""

from __future__ import annotations

KiB = 1024
MiB = 1024 * KiB

# Bytes asked of a request body per read (multipart parser, tus PATCH). Under gunicorn
# a read returns what the socket has, up to this; each read costs a call and a copy.
BODY_READ = 1 * MiB
# Bytes per read when code asks a chunked body for all of it at once (config.body).
BODY_READ_ALL_STEP = 256 * KiB
# A refused upload's body up to this size is read and dropped, so the client hears the
# answer instead of a reset; a larger one closes the connection (drive/handlers.py).
DISCARD_MAX = 64 * MiB

# Bytes per read of a stored file when the app sends it itself: S3 objects and ranges
# served through a server without sendfile. One block per download in flight is what
# a download holds, so 300 slow downloads hold 300 of them.
DOWNLOAD_BLOCK = 256 * KiB
# The default chunk of storage_read (copies to clouds, ZIPs of submissions).
STORAGE_READ_CHUNK = 4 * MiB

# glibc's mmap threshold (config.memory): above the body reads and download blocks,
# below S3's smallest part (5 MiB), so each part's memory goes back when it is sent.
S3_MIN_PART = 5 * MiB
MMAP_THRESHOLD = S3_MIN_PART - 64 * KiB
# glibc's own rule once the mmap threshold is fixed: twice it.
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD
# glibc's arenas per process (config.memory): threads share them instead of one each.
ARENA_MAX = 2

# gunicorn (config/gunicorn.py): processes per pod and threads per process. A thread
# holds one request in flight for as long as it lasts (a slow upload: minutes).
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 64
# dev.py run: the threads that answer HTTP behind the ASGI server's adapter (a2wsgi).
DEV_HTTP_THREADS = 16
# dev.py run: bytes per block of a download sent through the adapter, which hands each
# block to the event loop's thread (a wake-up of each thread, and a write) and queues
# at most ``DEV_SEND_QUEUE`` more. Four times DOWNLOAD_BLOCK: the 1 MiB handout at 64
# connections went from 255-313 to 381-390 req/s (docs/performance.md); the threads
# bound what the blocks hold: 16 x (queued + sent + read) = 48 MiB at most.
DEV_DOWNLOAD_BLOCK = 1 * MiB
DEV_SEND_QUEUE = 1

assert BODY_READ_ALL_STEP <= BODY_READ
assert DOWNLOAD_BLOCK <= STORAGE_READ_CHUNK
assert max(BODY_READ, DOWNLOAD_BLOCK, DEV_DOWNLOAD_BLOCK) < MMAP_THRESHOLD < S3_MIN_PART
assert DISCARD_MAX >= BODY_READ
assert GUNICORN_WORKERS >= 1 and GUNICORN_THREADS >= 1 and DEV_HTTP_THREADS >= 1 and DEV_SEND_QUEUE >= 1
