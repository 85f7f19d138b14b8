"""The quota holds when many requests of one user race, across server processes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.db.models import Sum
from rest_framework.authtoken.models import Token

from account.models import NOT_ENOUGH_SPACE, Account, User
from upload_center.models import StoredFile
from upload_center.storage import storage_exists

MB = 1048576
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def assert_invariant(user: User) -> int:
    user.refresh_from_db()
    total = StoredFile.objects.stored().filter(owner=user).aggregate(s=Sum("size"))["s"] or 0
    assert user.used_storage == total
    assert user.used_storage <= user.account.storage
    assert not StoredFile.objects.filter(owner=user, state="pending").exists()
    return total


# The settle lock (select_for_update of the user in files_settle) is guarded here, in
# pass 2 only: SQLite ignores SELECT ... FOR UPDATE, so pass 1 could not catch its loss.
# The delete lock has a forced interleaving of its own in test_delete_lock.py.
def test_parallel_uploads_and_deletes_from_two_processes_never_overshoot_the_quota(
    start_server: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    tier = Account.objects.create(title="Race", storage=10 * MB + MB // 2, max_file_transfer=2 * MB)
    user = make_user(username="racer", password="race-pw-12", account=tier)
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    servers = [start_server(), start_server()]

    def upload(i: int) -> dict[str, str]:
        url = servers[i % 2].url + "/fm/upload/"
        files = {"file_field": (f"f{i:02}.bin", bytes([i]) * MB)}
        response = requests.put(url, files=files, headers=headers, timeout=120)
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(upload, range(24)))

    stored = [a for a in answers if next(iter(a.values())).startswith("/fm/download/")]
    refused = [a for a in answers if next(iter(a.values())) == NOT_ENOUGH_SPACE]
    assert len(stored) == 10  # 10.5 MiB fits ten 1 MiB files, never eleven
    assert len(refused) == 14
    assert assert_invariant(user) == 10 * MB

    # Deletes and new uploads race too: each freed MiB is taken at most once.
    names = [next(iter(a)) for a in stored]

    def delete(name: str) -> int:
        url = servers[hash(name) % 2].url + "/fm/manager/"
        return requests.delete(url, data={"file_name": name}, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(24) as pool:
        deleted = [pool.submit(delete, name) for name in names[:5]]
        deleted_twice = [pool.submit(delete, name) for name in names[:5]]
        uploaded = [pool.submit(upload, 100 + i) for i in range(14)]
        statuses = sorted(f.result() for f in deleted + deleted_twice)
        [f.result() for f in uploaded]

    assert statuses == [200] * 5 + [404] * 5  # each file is deleted exactly once
    total = assert_invariant(user)
    assert total <= 10 * MB
    for row in StoredFile.objects.filter(owner=user):
        assert storage_exists(row.storage_key)
