"""Login counters live in Redis, so every web process sees every failure: two real server
processes on PostgreSQL, one school behind one address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.account.helpers import students

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# Both servers and this process use the fast hasher, so 300 logins take seconds, not minutes.
SERVER_ENV = {"DJANGO_SETTINGS_MODULE": "tests.server_settings"}


def login(url: str, path: str, username: str, password: str) -> requests.Response:
    fields = {"username": username, "password": password}
    if path == "/core.login":
        return requests.post(url + path, json=fields, timeout=30)
    return requests.post(url + path, data=fields, timeout=30)


@pytest.fixture
def school(settings: Any, tier: Any) -> list[tuple[str, str]]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return students(300, tier)


def test_two_servers_share_the_counters_and_let_a_whole_school_in(
    school: list[tuple[str, str]], start_server: Callable[..., Any]
) -> None:
    servers = [start_server(**SERVER_ENV), start_server(**SERVER_ENV)]
    for n, (name, password) in enumerate(school):
        server, path = servers[n % 2], ("/core.login", "/fm/login/")[n // 2 % 2]
        if n % 10 == 0:  # a typo first: 30 failures from the school's one address
            assert login(server.url, path, name, password + "x").status_code in {400, 403}
        assert login(server.url, path, name, password).status_code == 200, name

    # One username guessed 10 times, half on each server: refused on both.
    for n in range(10):
        assert login(servers[n % 2].url, "/core.login", "student007", "guess").status_code == 403
    for server in servers:
        refused = login(server.url, "/core.login", "student007", "pw-007-secret")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
        assert refused.json()["status"] == "too_many_requests"

    # A spray of other names from the same address: after 100 failures in all, the address is refused.
    for n in range(100 - 30 - 10):
        assert login(servers[n % 2].url, "/fm/login/", f"nobody{n}", "Spring2026!").status_code == 400
    for server in servers:
        assert login(server.url, "/fm/login/", "student008", "pw-008-secret").status_code == 429
