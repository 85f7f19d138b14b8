"""Share links as a class meets them over real HTTP (CONTRACT section 7, amended
2026-12-07): a browser gets a page, curl the bytes; a chat app's link preview counts
nothing; a download resumed by its own client is counted once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sharing.helpers import SERVER_ENV

pytestmark = pytest.mark.django_db(transaction=True)

DATA = bytes(range(256)) * 64  # 16 KiB
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0",
}
CURL = {"Accept": "*/*", "User-Agent": "curl/8.5.0"}


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Any:
    return start_server(**SERVER_ENV)


def test_a_browser_gets_the_landing_page_and_curl_the_bytes(
    server: Any, alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    link = link_make(store(alice, "lesson 3.png", DATA))

    page = server.get(link.path, headers=BROWSER)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Accept" in page.headers["Vary"]
    assert "lesson 3.png" in page.text and "0.016 Megabytes" in page.text
    assert f'href="{link.path}?download=1"' in page.text and 'id="share-preview"' in page.text
    link.refresh_from_db()
    assert link.download_count == 0

    for headers, path in [(CURL, link.path), (BROWSER, f"{link.path}?download=1")]:
        answer = server.get(path, headers=headers)
        assert (answer.status_code, answer.content) == (200, DATA)
        assert "Accept" in answer.headers["Vary"]
    link.refresh_from_db()
    assert link.download_count == 2


def test_a_chat_apps_link_preview_counts_nothing(
    server: Any, alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    link = link_make(store(alice, "notes.pdf", DATA), download_limit=1)
    previews = [
        {"Accept": "text/html", "User-Agent": "TelegramBot (like TwitterBot)"},
        {"Accept": "*/*", "User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
        {"User-Agent": "WhatsApp/2.23.20.0"},
    ]
    for headers in previews:
        page = server.get(link.path, headers=headers)
        assert page.status_code == 200 and "notes.pdf" in page.text, headers
        assert page.content != DATA
    link.refresh_from_db()
    assert link.download_count == 0
    assert "1 left" in server.get(link.path, headers=BROWSER).text
    assert server.get(link.path, headers=CURL).content == DATA  # the one download is still there
    assert server.get(link.path, headers=BROWSER).status_code == 404


def test_a_download_resumed_by_its_client_counts_once(
    server: Any, alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    row = store(alice, "lecture.mp4", DATA)
    link = link_make(row, download_limit=1)
    started = server.get(link.path, headers={**CURL, "Range": "bytes=0-999"})
    assert (started.status_code, started.content) == (206, DATA[:1000])
    # Cut at 1000 bytes: the same client asks for the rest, as curl -C - and browsers do.
    rest = server.get(link.path, headers={**CURL, "Range": "bytes=1000-", "If-Range": row.etag})
    assert (rest.status_code, rest.content) == (206, DATA[1000:])
    # The limit is used up: another client's Range is not a resume of anything.
    other = server.get(link.path, headers={"User-Agent": "Wget/1.21", "Range": "bytes=1000-"})
    assert other.status_code == 404
    link.refresh_from_db()
    assert link.download_count == 1


def test_a_range_after_byte_0_from_a_new_client_is_a_download_of_its_own(
    server: Any, alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    link = link_make(store(alice, "lecture.mp4", DATA), download_limit=3)
    assert server.get(link.path, headers={**CURL, "Range": "bytes=1-"}).status_code == 206
    assert server.get(link.path, headers={**CURL, "Range": "bytes=2-"}).status_code == 206  # its resume
    assert server.get(link.path, headers={"User-Agent": "Wget/1.21", "Range": "bytes=-10"}).status_code == 206
    link.refresh_from_db()
    assert link.download_count == 2


def test_every_dead_link_gets_one_styled_page_that_fits_a_phone(
    server: Any, alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]
) -> None:
    from sharing.services import share_link_revoke

    revoked = share_link_revoke(link=link_make(store(alice, "notes.pdf", DATA)))
    answers = [server.get(path, headers=BROWSER) for path in (revoked.path, "/s/unknown", "/r/unknown")]
    assert {(a.status_code, a.content) for a in answers} == {(404, answers[0].content)}
    page = answers[0]
    assert page.headers["Content-Type"].startswith("text/html")
    assert 'name="viewport" content="width=device-width' in page.text and "drive.css" in page.text
    assert "This link does not exist or is no longer available." in page.text
