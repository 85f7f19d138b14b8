"""The hand-in page in headless Chromium at a phone's width (and a laptop's for the
screenshots), against the real server: a hand-in cut at 60% goes on from the page,
ends as one stored file and one charge, and its receipt's SHA-256 is the file's.
Screenshots under test-output/sharing/."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from tests.sharing.helpers import SERVER_ENV, no_sideways_scroll, shot, token_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MiB = 1024 * 1024
CHUNK = 2 * MiB  # the page's PATCH size (CHUNK in request.js)
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 800}


class Cut:
    """Cuts (connection reset) the PATCHes from ``at`` on while ``cutting``; notes the ones let through."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.cutting = True
        self.offsets: list[int] = []
        self.delivered = 0

    def __call__(self, route: Route) -> None:
        request = route.request
        if request.method == "PATCH":
            offset = int(request.headers["upload-offset"])
            if self.cutting and offset >= self.at:
                route.abort("connectionreset")
                return
            self.offsets.append(offset)
            self.delivered += len(request.post_data_buffer or b"")
        route.continue_()


def _is_patch(request: Any) -> bool:
    return bool(request.method == "PATCH")


@pytest.fixture
def requests_made(alice: Any) -> dict[str, Any]:
    # Made before the browser starts: Django refuses ORM calls while Playwright's loop runs.
    from sharing.models import FileRequest

    open_one = FileRequest.objects.create(
        owner=alice,
        title="Lab report 3",
        deadline=timezone.now() + timedelta(days=2, hours=3),
        extensions="pdf",
        instructions="One PDF, with your measurements and the graph.",
    )
    closed = FileRequest.objects.create(
        owner=alice, title="Lab report 2", deadline=timezone.now() - timedelta(hours=1)
    )
    from account.models import Account

    alice.first_name, alice.last_name = "Alice", "Novak"
    alice.account = Account.objects.create(title="Class", storage=40 * MiB, max_file_transfer=20 * MiB)
    alice.save()
    return {"open": open_one.path, "closed": closed.path, "token": token_of(alice)}


def test_a_hand_in_cut_at_60_percent_goes_on_from_the_page_and_its_receipt_holds(
    start_server: Callable[..., Any], requests_made: dict[str, Any], browser_page: Page, tmp_path: Path
) -> None:
    server = start_server(**SERVER_ENV)
    page = browser_page
    cut = Cut(at=3 * CHUNK)  # 60%: three PATCHes in, the connection drops
    page.route("**/tus/**", cut)
    for size, name in [(LAPTOP, "1280"), (PHONE, "390")]:
        page.set_viewport_size(size)
        page.goto(server.url + requests_made["open"])
        expect(page.locator("#request-owner")).to_have_text("Alice Novak")
        expect(page.locator("#request-time-left")).to_have_text(" (2 days left)")
        expect(page.locator("#request-instructions")).to_be_visible()
        shot(page, f"20-hand-in-empty-{name}")
    no_sideways_scroll(page)

    report = tmp_path / "report.pdf"
    report.write_bytes(os.urandom(5 * CHUNK))
    page.fill("#uploader-name", "Sara Ahmadi")
    page.set_input_files("#request-files", str(report))
    with page.expect_event("requestfailed", predicate=_is_patch, timeout=60_000):
        page.click("#request-send")
    # tus-js-client asks where the upload stopped and tries again: cut once more, then let through.
    with page.expect_event("requestfailed", predicate=_is_patch, timeout=60_000):
        pass
    row = page.locator("#request-progress li", has_text="report.pdf")
    expect(page.locator("#request-overall")).to_be_visible()
    shot(page, "21-hand-in-uploading-390")
    cut.cutting = False

    expect(row).to_have_class("done", timeout=60_000)
    expect(row.locator(".request-progress-status")).to_have_text("Uploaded")
    assert cut.offsets == [0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]  # resumed at 60%, nothing sent twice
    assert cut.delivered == 5 * CHUNK
    assert page.evaluate("document.getElementById('request-overall-bar').value") == 1

    wrong = tmp_path / "notes.txt"
    wrong.write_bytes(b"notes")
    page.set_input_files("#request-files", str(wrong))
    page.click("#request-send")
    expect(page.locator("#request-progress li.failed", has_text="notes.txt")).to_contain_text(
        "This request accepts only these kinds of files: .pdf."
    )
    uploads = page.locator("#request-uploads .request-file")
    expect(uploads).to_have_count(1)
    expect(uploads).to_contain_text("report.pdf")
    expect(uploads).to_contain_text("10.000 Megabytes")
    no_sideways_scroll(page)
    shot(page, "22-hand-in-done-390")

    uploads.get_by_role("link", name="Receipt").click()
    digest = hashlib.sha256(report.read_bytes()).hexdigest()
    expect(page.locator("#receipt-files")).to_contain_text(digest)
    expect(page.locator(".receipt-when")).to_have_text("on time")
    no_sideways_scroll(page)
    shot(page, "23-hand-in-receipt-390")
    page.set_viewport_size(LAPTOP)
    shot(page, "23-hand-in-receipt-1280")

    # One stored file, one charge, the receipt's hash the stored bytes'.
    auth = {"Authorization": f"Token {requests_made['token']}"}
    manager = requests.get(server.url + "/fm/manager/", headers=auth, timeout=30).json()
    assert manager["Files"] == ["Lab report 3 - Sara Ahmadi - report.pdf"]
    assert manager["Used"] == 10.0
    stored = requests.get(
        server.url + "/fm/sharing/files/Lab%20report%203%20-%20Sara%20Ahmadi%20-%20report.pdf/download",
        headers=auth,
        timeout=30,
    )
    assert hashlib.sha256(stored.content).hexdigest() == digest

    for size, name in [(LAPTOP, "1280"), (PHONE, "390")]:
        page.set_viewport_size(size)
        page.goto(server.url + requests_made["closed"])
        expect(page.locator("#request-closed")).to_have_text("This request is closed")
        shot(page, f"24-hand-in-closed-{name}")
    no_sideways_scroll(page)
