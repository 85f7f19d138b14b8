"""Failed logins are limited per username and per client address on every login path;
correct logins are never counted, so a school behind one address gets in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory

from config.security import client_address
from tests.account.helpers import students

PATHS = ["/fm/login/", "/core.login", "/api-auth/login/", "/admin/login/"]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def attempt(path: str, username: str, password: str, **extra: Any) -> Any:
    """One login the way that path's clients send it, from a fresh browser (no cookies)."""
    client = Client()
    fields = {"username": username, "password": password}
    if path == "/core.login":
        return client.post(path, fields, content_type="application/json", **extra)
    return client.post(path, fields, **extra)


def logged_in(path: str, response: Any) -> bool:
    if path == "/fm/login/":
        return response.status_code == 200 and "token" in response.json()
    if path == "/core.login":
        return response.status_code == 200 and response.json()["status"] == "ok"
    # Django's login views answer a good login with a redirect, a bad one with the form again.
    return response.status_code == 302


def assert_refused(path: str, response: Any, seconds: int) -> None:
    assert response.status_code == 429, response.content
    assert response["Retry-After"] == str(seconds)
    if path == "/core.login":
        body = response.json()
        assert set(body) == {"status", "message", "data"}
        assert body["status"] == "too_many_requests" and body["data"] == {}


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    """PBKDF2 spends most of a second per login; these tests log in hundreds of times."""
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Callable[[str, str], Any]:
    """Users who may also log in to the admin."""

    def make(username: str, password: str) -> Any:
        user = make_user(username, password)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        return user

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_one_username_guessed_10_times_is_refused(path: str, staff: Any, settings: Any) -> None:
    staff("kian", "ak18-secret")
    staff("sara", "sara-secret-2")

    for _ in range(10):
        answer = attempt(path, "kian", "wrong-guess")
        assert answer.status_code != 429 and not logged_in(path, answer)
    # Locked now, even with the right password; another student at the same address is not.
    assert_refused(path, attempt(path, "kian", "ak18-secret"), settings.LOGIN_LOCKOUT_SECONDS)
    assert logged_in(path, attempt(path, "sara", "sara-secret-2"))


@pytest.mark.django_db
def test_a_usernames_failures_on_all_paths_add_up(staff: Any, settings: Any) -> None:
    staff("kian", "ak18-secret")
    for path in PATHS:
        for _ in range(3 if path != PATHS[-1] else 1):
            assert not logged_in(path, attempt(path, "KIAN", "wrong-guess"))
    for path in PATHS:
        assert_refused(path, attempt(path, "kian", "ak18-secret"), settings.LOGIN_LOCKOUT_SECONDS)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_a_spray_from_one_address_is_refused_there_only(path: str, staff: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    staff("kian", "ak18-secret")

    for n in range(20):
        answer = attempt(path, f"student{n:02}", "Spring2026!")
        assert answer.status_code != 429
    assert_refused(path, attempt(path, "kian", "ak18-secret"), settings.LOGIN_LOCKOUT_SECONDS)
    assert logged_in(path, attempt(path, "kian", "ak18-secret", REMOTE_ADDR="10.20.30.40"))


@pytest.mark.django_db
def test_a_forwarded_for_header_is_believed_only_from_a_trusted_proxy(staff: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    staff("kian", "ak18-secret")
    for n in range(5):
        # A client cannot escape its address's count by naming another one.
        attempt("/core.login", f"student{n}", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert attempt("/core.login", "kian", "ak18-secret", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429

    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    answer = attempt("/core.login", "kian", "ak18-secret", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert logged_in("/core.login", answer)


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", "198.51.100.7", [], "203.0.113.5"),
        ("10.0.0.2", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.7"),
        ("203.0.113.5", "198.51.100.7", ["10.0.0.0/8"], "203.0.113.5"),
    ],
)
def test_the_client_address(
    settings: Any, remote: str, forwarded: str, trusted: list[str], expected: str
) -> None:
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@pytest.mark.django_db
def test_300_students_behind_one_address_all_get_in_while_a_guessed_username_is_refused(
    settings: Any, tier: Any
) -> None:
    logins = students(300, tier)
    for n, (name, password) in enumerate(logins):
        path = PATHS[n % 2]
        if n % 10 == 0:  # a typo first, as students make
            assert not logged_in(path, attempt(path, name, password + "x"))
        assert logged_in(path, attempt(path, name, password)), name

    for _ in range(10):
        attempt("/core.login", "student007", "guess")
    assert_refused("/core.login", attempt("/core.login", "student007", "pw-007-secret"), 900)
    assert logged_in("/core.login", attempt("/core.login", "student008", "pw-008-secret"))
