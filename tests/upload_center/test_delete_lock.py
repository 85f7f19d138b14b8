"""Two deletes of one file, forced to overlap where a missing lock would let both count.

PostgreSQL only: SQLite ignores SELECT ... FOR UPDATE (it locks the whole database on
the first write instead), so it can neither show the race nor the lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import pre_delete

from account.models import User
from upload_center.errors import FileNotFound
from upload_center.models import StoredFile
from upload_center.services import file_delete

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

SIZE = 1000


def backend_waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
        return bool(cursor.fetchone()[0])


class Deleter(threading.Thread):
    """One file_delete in its own thread, so on its own database connection."""

    def __init__(self, owner: User, name: str) -> None:
        super().__init__(daemon=True)
        self.owner, self.name = owner, name
        self.pid: int | None = None
        self.started_delete = threading.Event()
        self.outcome: str | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started_delete.set()
            file_delete(owner=self.owner, name=self.name)
            self.outcome = "deleted"
        except FileNotFound:
            self.outcome = "not found"
        finally:
            connection.close()


def test_two_deletes_of_one_file_count_once_whatever_the_interleaving(make_user: Callable[..., Any]) -> None:
    owner = make_user(username="kian")
    for name in ("a.bin", "b.bin"):
        StoredFile.objects.create(owner=owner, name=name, size=SIZE, state=StoredFile.State.STORED)
    User.objects.filter(pk=owner.pk).update(used_storage=2 * SIZE)
    first, second = Deleter(owner, "a.bin"), Deleter(owner, "a.bin")
    reached: dict[Deleter, threading.Event] = {first: threading.Event(), second: threading.Event()}
    go_on = threading.Event()

    def hold_between_read_and_delete(sender: Any, **kwargs: Any) -> None:
        # pre_delete runs after file_delete found the row and before its DELETE.
        thread = threading.current_thread()
        assert isinstance(thread, Deleter)
        reached[thread].set()
        assert go_on.wait(60), "the test never let the delete go on"

    pre_delete.connect(hold_between_read_and_delete, sender=StoredFile, weak=False)
    try:
        first.start()
        assert reached[first].wait(60), "the first delete never read its row"
        # The first delete holds whatever it locked, right before its DELETE. The second
        # either waits on that lock (the rule) or reads the still-present row too (the
        # race): both are states the database shows, so no timing decides which one is seen.
        second.start()
        assert second.started_delete.wait(60)
        deadline = time.monotonic() + 60
        while not reached[second].is_set():
            assert second.pid is not None
            if backend_waits_on_a_lock(second.pid):
                break
            assert time.monotonic() < deadline, "the second delete neither waited nor read the row"
            reached[second].wait(0.01)
        go_on.set()
        first.join(60)
        second.join(60)
    finally:
        go_on.set()
        pre_delete.disconnect(hold_between_read_and_delete, sender=StoredFile)

    assert {first.outcome, second.outcome} == {"deleted", "not found"}
    owner.refresh_from_db()
    assert owner.used_storage == SIZE, "the file's size was taken off twice"
    assert not reached[second].is_set(), "the second delete read the row the first was deleting"
    assert list(StoredFile.objects.values_list("name", flat=True)) == ["b.bin"]
