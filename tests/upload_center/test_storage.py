"""The storage sinks, fed chunks of uneven sizes, as the parser hands them over.

Runs on local disk in the embedded pass and on S3 (moto's server) in the
services pass, where parts are filled into buffers reused from earlier parts.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from typing import Any

import pytest

from upload_center.storage import is_s3, s3_bucket, s3_client, storage_read, storage_sink
from upload_center.storage.pipeline import PipelinedSink

MiB = 1024 * 1024


def test_uneven_chunks_and_views_are_stored_byte_exact_with_their_sha256(settings: Any) -> None:
    settings.UPLOAD_PART_SIZE = 5 * MiB
    data = os.urandom(23 * MiB + 12345)
    view = memoryview(data)
    sizes = itertools.cycle([256 * 1024, 1, 3 * MiB + 7, 65536, 2 * MiB - 3])
    parts_done: list[int] = []
    sink = storage_sink("tests/uneven.bin", on_part=parts_done.append)
    position = 0
    for size in sizes:
        if position >= len(data):
            break
        # The parser hands over whole chunks (bytes) and views into chunks.
        chunk = view[position : position + size]
        sink.write(bytes(chunk) if size % 2 == 0 else chunk)
        position += size
    sink.close()
    sink.commit()  # the bytes reach their key only when committed

    assert sink.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(storage_read("tests/uneven.bin")) == data
    if is_s3():
        # Every part but the last is at least a part long (S3 refuses smaller ones),
        # and the last one is not padded with bytes an earlier, longer part left.
        head = s3_client().head_object(Bucket=s3_bucket(), Key="tests/uneven.bin", ChecksumMode="ENABLED")
        assert head["ContentLength"] == len(data)
        assert head["ETag"].strip('"').endswith(f"-{len(parts_done)}")
        # Each part went with its CRC32, and the completed upload carries them (as boto3's
        # transfer manager does; S3 checks every part).
        assert head["ChecksumCRC32"]
    assert parts_done == sorted(parts_done)
    # One call per part, the last (shorter) one included, with the whole size.
    assert len(parts_done) == len(data) // (5 * MiB) + 1 and parts_done[-1] == len(data)
    assert all(stored >= (i + 1) * 5 * MiB for i, stored in enumerate(parts_done[:-1]))


def test_uploads_are_hashed_and_stored_by_threads_the_process_keeps(monkeypatch: Any) -> None:
    """Starting two threads per upload cost a tenth of the GIL's time under 32 uploads at once."""
    used: set[threading.Thread] = set()
    sink = storage_sink("tests/first.bin", on_part=None)
    for cls, name in ((PipelinedSink, "_hash_batch"), (type(sink), "_store")):
        step = getattr(cls, name)

        def spied(*args: Any, _step: Any = step) -> None:
            used.add(threading.current_thread())
            _step(*args)

        monkeypatch.setattr(cls, name, spied)
    for n, key in enumerate(("tests/first.bin", "tests/second.bin")):
        alive = set(threading.enumerate())
        used.clear()
        sink = sink if n == 0 else storage_sink(key, on_part=None)
        sink.write(os.urandom(3 * MiB))
        sink.close()
        sink.commit()
        assert b"".join(storage_read(key)) and used
    # The second upload's batches went to threads that were there before it.
    assert used <= alive


def test_the_last_batch_is_hashed_and_stored_by_the_thread_that_closes(monkeypatch: Any) -> None:
    """Handing a small file's only batch to the workers cost two thread wake-ups per upload."""
    data = os.urandom(3000)
    sink = storage_sink("tests/small.bin", on_part=None)
    stored_by: list[threading.Thread] = []
    store = type(sink)._store

    def spied(self: Any, *args: Any) -> None:
        stored_by.append(threading.current_thread())
        store(self, *args)

    monkeypatch.setattr(type(sink), "_store", spied)
    monkeypatch.setattr(PipelinedSink, "_hash_batch", lambda *args: pytest.fail("hashed by a worker"))
    sink.write(data[:1000])
    sink.write(memoryview(data)[1000:])
    sink.close()
    sink.commit()

    assert stored_by == [threading.current_thread()]
    assert sink.sha256 == hashlib.sha256(data).hexdigest()
    assert b"".join(storage_read("tests/small.bin")) == data
