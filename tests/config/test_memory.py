from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

# Run in a fresh interpreter, as the server is: tuned at start, before any large
# block is freed into the heap (a free heap block that fits is used before a mapping).
SCRIPT = """
from pathlib import Path
from config import memory

MiB = 1024 * 1024

def rss():
    # smaps_rollup walks the page tables; VmRSS in /proc/self/status can lag behind.
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            return int(line.split()[1]) * 1024

assert memory.malloc_tune() is True  # glibc answers 1 only when it takes a value
# Untuned, glibc serves these from the heap once the first one is freed, and keeps
# their memory when they are freed.
for _ in range(3):
    before = rss()
    part = bytearray(8 * MiB)
    part[:] = b"p" * (8 * MiB)
    assert rss() - before > 7 * MiB, rss() - before
    del part
    assert rss() - before < 1 * MiB, rss() - before
print("ok")
"""


def test_a_freed_part_buffer_goes_back_to_the_system() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# What each server process runs once the application is loaded: gunicorn's worker hook,
# and the ASGI lifespan's startup under uvicorn.
FREEZE_SCRIPT = """
import asyncio, gc, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
if sys.argv[1] == "gunicorn":
    from config import gunicorn
    gunicorn.post_worker_init(None)
else:
    from config.lifespan import lifespan
    messages = iter([{"type": "lifespan.startup"}])
    sent = []
    async def receive():
        try:
            return next(messages)
        except StopIteration:
            await asyncio.Event().wait()  # no shutdown: the loop is cancelled below
    async def send(message):
        sent.append(message["type"])
    async def main():
        task = asyncio.create_task(lifespan({"type": "lifespan"}, receive, send))
        while not sent:
            await asyncio.sleep(0.01)
        task.cancel()
    asyncio.run(main())
    assert sent == ["lifespan.startup.complete"], sent
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()))
if sys.argv[2] == "s3":
    from upload_center.storage import storage_backend
    # A cached property: in the instance's dict once built.
    print("client built" if "client" in vars(storage_backend()) else "no client")
"""


def process_started(server: str, storage: str = "disk") -> list[str]:
    """What FREEZE_SCRIPT prints: a server process's start run in a fresh interpreter
    (with this test run's environment: its S3 settings in the services pass)."""
    result = subprocess.run(
        [sys.executable, "-c", FREEZE_SCRIPT, server, storage], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_a_server_process_freezes_the_loaded_application_out_of_full_collections(server: str) -> None:
    # A full collection walks every tracked object with the GIL held; the project's
    # ~130,000 once loaded took 70-120 ms each under load (bench/class_load.py (a)).
    frozen, tracked = map(int, process_started(server)[0].split())
    assert frozen > 50_000  # the URLconf's views are loaded before the freeze
    assert tracked < frozen // 10, (frozen, tracked)


@pytest.mark.s3
@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_a_server_process_builds_its_s3_client_before_the_first_request(server: str) -> None:
    # Built by the first request instead, it cost that request a fifth of a second and
    # the worker 23 MiB more than it had at rest (bench/s3_memory.py).
    assert process_started(server, "s3")[1] == "client built"
