"""The drive page in headless Chromium against the real server process."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import log_in, screenshot
from tests.drive.helpers import MiB

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Page, name: str) -> None:
    screenshot(page, "drive", name)


def test_upload_watch_download_and_delete_a_12_mib_file(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page, tmp_path: Path
) -> None:
    server = start_server()
    page = browser_page
    frames: list[dict[str, Any]] = []
    page.on(
        "websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))
    )
    log_in(page, server.url, "alice", "alice-secret-1")
    expect(page.locator("#who")).to_have_text("alice")
    expect(page.locator("#empty")).to_be_visible()
    shot(page, "01-logged-in")

    data = os.urandom(12 * MiB)
    source = tmp_path / "holiday.bin"
    source.write_bytes(data)
    page.set_input_files("#file-input", str(source))
    upload = page.locator(".upload", has_text="holiday.bin")
    expect(upload.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    expect(upload).to_have_class("upload done")
    row = page.locator(".file", has_text="holiday.bin")
    expect(row).to_contain_text("12.0 MB")
    expect(page.locator("#quota-text")).to_have_text("12.0 MB of 40.0 MB")
    shot(page, "02-uploaded")
    kinds = [f["kind"] for f in frames]
    assert kinds[0] == "INITIAL"
    assert "UPLOAD_PROGRESS" in kinds and kinds[-1] == "UPLOAD_FINISH"

    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    assert hashlib.sha256(Path(download.value.path()).read_bytes()).digest() == hashlib.sha256(data).digest()

    row.get_by_role("button", name="Delete").click()
    expect(page.locator("#confirm")).to_be_visible()
    shot(page, "03-confirm-delete")
    page.click("#confirm-button")
    expect(page.locator(".file")).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator("#quota-text")).to_have_text("0 B of 40.0 MB")
    shot(page, "04-deleted")


def test_a_wrong_password_shows_an_error(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page
) -> None:
    server = start_server()
    log_in(browser_page, server.url, "alice", "wrong-password")
    expect(browser_page.locator("#login-error")).to_have_text("Wrong username or password.")
    expect(browser_page.locator("#drive-view")).to_be_hidden()
    shot(browser_page, "05-wrong-password")


@pytest.fixture
def carol(make_user: Callable[..., Any]) -> Any:
    from account.models import Account

    small = Account.objects.create(title="Small", storage=20 * MiB, max_file_transfer=15 * MiB)
    return make_user("carol", "carol-secret-1", account=small)


# Rows are made by fixtures listed before browser_page: Django refuses ORM calls
# while Playwright's event loop runs in the test's thread.
def test_an_upload_over_the_quota_shows_the_quota_text(
    start_server: Callable[..., Any], carol: Any, browser_page: Page, tmp_path: Path
) -> None:
    server = start_server()
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 780})  # a phone
    log_in(page, server.url, "carol", "carol-secret-1")
    expect(page.locator("#who")).to_have_text("carol")
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    first.write_bytes(b"1" * (12 * MiB))
    second.write_bytes(b"2" * (12 * MiB))
    page.set_input_files("#file-input", [str(first), str(second)])
    expect(page.locator(".upload", has_text="second.bin")).to_contain_text(
        "You don't have enough space to upload this file!"
    )
    expect(page.locator(".upload", has_text="first.bin")).to_have_class("upload done")
    expect(page.locator(".file")).to_have_count(1)
    shot(page, "06-over-quota-phone")


def test_save_to_cloud_leads_to_the_providers_consent_page(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page
) -> None:
    # Google is configured (its consent page is caught by the browser below);
    # Yandex is not, so the page must say so.
    server = start_server(
        GOOGLE_OAUTH_CLIENT_ID="drive-export-client",
        GOOGLE_OAUTH_CLIENT_SECRET="drive-export-secret",
        GOOGLE_OAUTH_AUTHORIZE_URL="http://consent.test/authorize",
        YANDEX_OAUTH_CLIENT_ID="",
    )
    page = browser_page
    consent: list[str] = []

    def consent_page(route: Any) -> None:
        consent.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<h1>Consent</h1>")

    page.route("http://consent.test/**", consent_page)
    log_in(page, server.url, "alice", "alice-secret-1")
    expect(page.locator("#who")).to_have_text("alice")

    page.select_option("#export-cloud", "yadisk")
    page.click("#export-form button[type=submit]")
    expect(page.locator("#toast")).to_contain_text("Export to Yandex Disk is not configured on this server.")
    shot(page, "07-export-not-configured")

    page.select_option("#export-cloud", "google_drive")
    page.click("#export-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Consent")
    assert consent and "client_id=drive-export-client" in consent[0]
    assert "state=" in consent[0]
