from __future__ import annotations

import subprocess
import sys

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
