"""What a request costs under the ASGI handler (config/streaming.py): Django's
middleware hooks run on the event loop, a request's thread is reused by the
next request, and the embedded SQLite commits without an fsync each. Requests
go through the handler in this process (asgiref's ApplicationCommunicator);
nothing is timed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_started

from config.streaming import RequestThread, StreamingASGIHandler

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def handler() -> Iterator[StreamingASGIHandler]:
    handler = StreamingASGIHandler()
    yield handler
    for thread in handler.threads._idle:
        thread.shutdown()


def scope(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-length", b"0")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def answer(handler: StreamingASGIHandler, method: str, path: str) -> tuple[int, bytes]:
    async def run() -> tuple[int, bytes]:
        talk = ApplicationCommunicator(handler, scope(method, path))
        await talk.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await talk.receive_output(10)
        body = b""
        while True:
            message = await talk.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await talk.wait(10)
        return start["status"], body

    return asyncio.run(run())


def test_a_probe_takes_only_the_thread_hops_of_djangos_signals(
    handler: StreamingASGIHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    submit = RequestThread.submit

    def counted(self: RequestThread, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(RequestThread, "submit", counted)
    assert answer(handler, "GET", "/healthz") == (200, b'{"status": "ok"}')
    # request_started, then the response's close (request_finished): no middleware hook
    # and no view takes one (a dozen before).
    assert len(hops) == 2, hops


def test_the_next_request_runs_in_the_same_thread(handler: StreamingASGIHandler) -> None:
    seen: list[int] = []

    def note(**kwargs: Any) -> None:
        seen.append(threading.get_ident())

    request_started.connect(note, dispatch_uid="test-thread-reuse")
    try:
        for _ in range(3):
            assert answer(handler, "GET", "/healthz")[0] == 200
    finally:
        request_started.disconnect(dispatch_uid="test-thread-reuse")
    assert len(seen) == 3 and len(set(seen)) == 1


def test_an_unsafe_method_is_still_checked_for_csrf_on_the_loop(handler: StreamingASGIHandler) -> None:
    status, body = answer(handler, "POST", "/admin/login/")
    assert status == 403 and b"CSRF" in body


def test_the_embedded_sqlite_keeps_a_log_and_its_connections(tmp_path: Path) -> None:
    """WAL with synchronous=NORMAL: a commit is an append, not two fsyncs under the write lock."""
    script = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "c.execute('PRAGMA synchronous'); print(c.fetchone()[0]);"
        "print(connection.settings_dict['CONN_MAX_AGE'])"
    )
    database = tmp_path / "db.sqlite3"
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "S3_BUCKET"}}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{database}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["wal", "1", "None"], done.stderr


def test_a_sqlite_transaction_holds_the_process_write_lock_until_it_ends(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    """Transactions of one process wait on each other in the process, not in SQLite's busy sleeps."""
    from config.sqlite.base import _WRITING, DatabaseWrapper

    database = {
        "NAME": str(tmp_path / "lock.sqlite3"),
        "ENGINE": "config.sqlite",
        "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        **{key: "" for key in ("USER", "PASSWORD", "HOST", "PORT")},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
    }
    connection = DatabaseWrapper(database, "lock-test")

    def free() -> bool:
        if _WRITING.acquire(blocking=False):
            _WRITING.release()
            return True
        return False

    with django_db_blocker.unblock():  # a database file of its own, not the test database
        try:
            for end in (connection.commit, connection.rollback, connection.close):
                connection.ensure_connection()
                connection._start_transaction_under_autocommit()
                assert not free()
                connection.cursor().execute("CREATE TABLE IF NOT EXISTS t (a integer)")
                end()
                assert free(), end.__name__
        finally:
            connection.close()
