"""Logging out over real HTTP (CONTRACT section 3, amended 2026-12-07): a bodyless
POST /core.logout from the drive's own page or from a client that sends no Origin
ends the session; one a page of another site sent is refused and the session kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.sharing.helpers import SERVER_ENV

pytestmark = pytest.mark.django_db(transaction=True)


def _logged_in(server: Any) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        server.url + "/core.login", json={"username": "alice", "password": "alice-secret-1"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return session


def _still_in(server: Any, session: requests.Session) -> bool:
    return session.get(server.url + "/core.current", timeout=30).status_code == 200


@pytest.fixture(autouse=True)
def _fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as SERVER_ENV's


def test_a_bodyless_logout_ends_the_session_unless_another_site_sent_it(
    start_server: Callable[..., Any], drive_user: Any
) -> None:
    server = start_server(**SERVER_ENV)
    logout = server.url + "/core.logout"
    session = _logged_in(server)

    # What a page of another site can send without a preflight: no body, or text/plain.
    forged = [
        {"Origin": "https://evil.example"},
        {"Origin": "https://evil.example", "Content-Type": "text/plain"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ]
    for headers in forged:
        answer = session.post(logout, headers=headers, data=b"x" if "Content-Type" in headers else None)
        assert answer.status_code == 403, (headers, answer.text)
        assert answer.json()["status"] == "forbidden"
        assert _still_in(server, session), headers

    same_origin = session.post(logout, headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin"})
    assert (same_origin.status_code, same_origin.json()) == (200, {"status": "ok", "data": {}})
    assert not _still_in(server, session)

    script = _logged_in(server)  # curl, a script: neither Origin nor Sec-Fetch-Site
    assert script.post(logout, timeout=30).json() == {"status": "ok", "data": {}}
    assert not _still_in(server, script)
