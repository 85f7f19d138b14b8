"""Share links over real HTTP (uvicorn): the file, dead links, expiry, limits, passwords."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from sharing.models import ShareLink
from tests.sharing.helpers import SERVER_ENV

pytestmark = pytest.mark.django_db(transaction=True)

DATA = bytes(range(256)) * 64  # 16 KiB
# Differ per answer whatever the link: when, and the request's own id.
VOLATILE = {"date", "x-request-id"}


@pytest.fixture
def notes(alice: Any, store: Callable[..., Any]) -> Any:
    return store(alice, "notes.pdf", DATA)


def answer_shape(response: requests.Response) -> tuple[int, bytes, dict[str, str]]:
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() not in VOLATILE}
    return response.status_code, response.content, headers


def test_a_link_serves_its_file_with_the_download_headers(
    start_server: Callable[..., Any], notes: Any, link_make: Callable[..., Any]
) -> None:
    link = link_make(notes)
    server = start_server(**SERVER_ENV)

    full = server.get(link.path)
    assert full.status_code == 200 and full.content == DATA
    assert full.headers["Referrer-Policy"] == "no-referrer"
    assert full.headers["ETag"] == notes.etag
    assert full.headers["Content-Security-Policy"] == "sandbox"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Content-Disposition"] == 'attachment; filename="notes.pdf"'
    part = server.get(link.path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == DATA[100:200]
    assert server.get(link.path, headers={"If-None-Match": notes.etag}).status_code == 304


def test_every_kind_of_dead_link_answers_the_same_404(
    start_server: Callable[..., Any],
    alice: Any,
    notes: Any,
    store: Callable[..., Any],
    link_make: Callable[..., Any],
) -> None:
    from sharing.models import token_new
    from sharing.services import share_link_revoke
    from upload_center.services import file_delete

    expired = link_make(notes)
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()
    revoked = share_link_revoke(link=link_make(notes))
    used_up = link_make(notes, download_limit=1)
    protected_revoked = share_link_revoke(link=link_make(notes, password="class-7b"))
    gone = link_make(store(alice, "gone.pdf", b"soon deleted"))
    file_delete(owner=alice, name="gone.pdf")
    server = start_server(**SERVER_ENV)
    assert server.get(used_up.path).status_code == 200

    paths = {
        "unknown": f"/s/{token_new()}",
        "not a token": "/s/x",
        "expired": expired.path,
        "revoked": revoked.path,
        "used up": used_up.path,
        "revoked with a password": protected_revoked.path,
        "file deleted": f"/s/{gone.token}",
    }
    shapes = {kind: answer_shape(server.get(path)) for kind, path in paths.items()}
    first = shapes["unknown"]
    assert first[0] == 404 and first[2]["referrer-policy"] == "no-referrer"
    assert {kind: shape == first for kind, shape in shapes.items()} == dict.fromkeys(paths, True)
    posted = {kind: answer_shape(server.post(path, data={"password": "x"})) for kind, path in paths.items()}
    assert all(shape == first for shape in posted.values())


def test_a_link_stops_at_its_expiry(
    start_server: Callable[..., Any], notes: Any, link_make: Callable[..., Any]
) -> None:
    server = start_server(**SERVER_ENV)
    link = link_make(notes, expires_at=timezone.now() + timedelta(minutes=1))
    assert server.get(link.path).status_code == 200
    # The server's clock cannot be moved from here: the expiry moves to a moment just past.
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(milliseconds=1))
    assert server.get(link.path).status_code == 404


def test_a_download_limit_counts_downloads_not_resumed_ranges(
    start_server: Callable[..., Any], notes: Any, link_make: Callable[..., Any]
) -> None:
    link = link_make(notes, download_limit=2)
    server = start_server(**SERVER_ENV)

    assert server.get(link.path, headers={"Range": "bytes=0-99"}).status_code == 206  # counted: byte 0
    assert server.get(link.path, headers={"Range": "bytes=100-"}).status_code == 206  # the rest of it
    assert server.get(link.path, headers={"Range": "bytes=-10"}).status_code == 206  # a tail
    assert requests.head(server.url + link.path, timeout=30).status_code == 200  # no bytes sent
    link.refresh_from_db()
    assert link.download_count == 1
    assert server.get(link.path).status_code == 200
    assert server.get(link.path).status_code == 404
    # The rest of a counted download goes on for the client it was counted for (test_share_landing_http.py);
    # another client's Range is a download of its own, and none is left.
    assert server.get(link.path, headers={"Range": "bytes=100-", "User-Agent": "another"}).status_code == 404
    link.refresh_from_db()
    notes.refresh_from_db()
    assert (link.download_count, notes.download_count) == (2, 2)


def test_a_password_link_asks_once_per_browser(
    start_server: Callable[..., Any], notes: Any, link_make: Callable[..., Any]
) -> None:
    link = link_make(notes, password="class-7b")
    server = start_server(**SERVER_ENV)
    browser = requests.Session()

    form = browser.get(server.url + link.path, timeout=30)
    assert form.status_code == 200 and 'name="password"' in form.text
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "notes.pdf" not in form.text  # nothing about the file before the password
    wrong = browser.post(server.url + link.path, data={"password": "class-7a"}, timeout=30)
    assert wrong.status_code == 403 and "Wrong password." in wrong.text
    # A real browser's POST from a no-referrer page says `Origin: null`.
    right = browser.post(
        server.url + link.path, data={"password": "class-7b"}, headers={"Origin": "null"}, timeout=30
    )
    assert right.status_code == 200 and right.content == DATA  # 303, then the file
    assert right.history[0].status_code == 303
    again = browser.get(server.url + link.path, headers={"Range": "bytes=0-9"}, timeout=30)
    assert again.content == DATA[:10]

    other_link = link_make(notes, password="class-7b")
    assert 'name="password"' in browser.get(server.url + other_link.path, timeout=30).text
    assert 'name="password"' in requests.get(server.url + link.path, timeout=30).text
    forged = requests.post(
        server.url + link.path, data={"password": "x"}, headers={"Origin": "https://evil.example"}, timeout=30
    )
    assert forged.status_code == 403


def guess(server: Any, path: str, address: str, password: str) -> requests.Response:
    return requests.post(
        server.url + path,
        data={"password": password},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
        timeout=30,
    )


def test_password_guessing_is_limited_per_link_and_address_not_for_the_class(
    start_server: Callable[..., Any], notes: Any, link_make: Callable[..., Any]
) -> None:
    link, other = link_make(notes, password="class-7b"), link_make(notes, password="class-7c")
    # Both the school and the stranger reach the app through one proxy.
    server = start_server(**SERVER_ENV, TRUSTED_PROXIES="127.0.0.1", SHARE_PASSWORD_FAILURES_PER_WINDOW="30")
    school, stranger = "198.51.100.7", "203.0.113.66"

    # A class of 25 behind the school's one address: each mistypes once, then gets in.
    for _ in range(25):
        assert guess(server, link.path, school, "class-7B").status_code == 403
        assert guess(server, link.path, school, "class-7b").status_code == 303

    # A stranger guessing: 30 wrong answers a window, then 429 whatever is sent.
    for attempt in range(30):
        assert guess(server, link.path, stranger, f"guess-{attempt}").status_code == 403
    refused = guess(server, link.path, stranger, "class-7b")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Referrer-Policy"] == "no-referrer"

    # The link lives on for everyone else, and the stranger's other links are not locked.
    assert guess(server, link.path, school, "class-7b").status_code == 303
    assert guess(server, other.path, stranger, "class-7c").status_code == 303
    unlocked = guess(server, link.path, school, "class-7b").cookies
    assert requests.get(server.url + link.path, cookies=unlocked, timeout=30).content == DATA
