"""Django's SQLite backend, whose transactions queue in the process before they
take SQLite's write lock.

SQLite has one write lock per database; a connection that finds it taken sleeps
in SQLite's busy handler, 1 to 100 ms at a time, however soon the lock is free
again. With 32 uploads of one process committing at once, their threads slept
about a thousand times (strace, bench/class_load.py's 32 uploads). Here a
transaction first waits on a lock of this process, which wakes the next one as
soon as the previous commits; only other processes (the Celery worker) still
meet SQLite's busy handler.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

# One per process: every connection of this process writes to the same database file.
_WRITING = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write = False

    def _start_transaction_under_autocommit(self) -> None:
        _WRITING.acquire()
        self._holds_write = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # BEGIN IMMEDIATE
        except BaseException:
            self._write_done()
            raise

    def _write_done(self) -> None:
        if self._holds_write:
            self._holds_write = False
            _WRITING.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._write_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._write_done()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._write_done()
