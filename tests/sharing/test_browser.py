"""Sharing on the drive page, in headless Chromium at a phone's width, against the real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser import log_in
from tests.sharing.helpers import SERVER_ENV, no_sideways_scroll, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATA = b"worksheet " * 2000


@pytest.fixture
def worksheet(alice: Any, store: Callable[..., Any]) -> Any:
    # Made before the browser starts: Django refuses ORM calls while Playwright's loop runs.
    return store(alice, "worksheet-7b.pdf", DATA)


def test_a_teacher_shares_a_file_from_a_phone(
    start_server: Callable[..., Any], worksheet: Any, browser_page: Page
) -> None:
    server = start_server(**SERVER_ENV)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    log_in(page, server.url, "alice", "alice-secret-1")
    row = page.locator(".file", has_text="worksheet-7b.pdf")
    expect(row.locator(".file-sharing")).to_have_text(" · 0 downloads")

    row.get_by_role("button", name="Share").click()
    expect(page.locator("#share-dialog")).to_be_visible()
    expect(page.locator("#share-empty")).to_be_visible()
    page.fill("#share-label", "Class 7B")
    page.fill("#share-password", "photosynthesis")
    page.fill("#share-limit", "30")
    page.click("#share-form button[type=submit]")
    link_row = page.locator(".share-link", has_text="Class 7B")
    expect(link_row).to_contain_text("0 of 30 downloads")
    expect(link_row).to_contain_text("password")
    no_sideways_scroll(page)
    shot(page, "01-share-dialog-390")

    url = page.evaluate(
        "fetch('/fm/sharing/files/worksheet-7b.pdf/links').then(r => r.json()).then(b => b.links[0].url)"
    )
    student = requests.Session()
    assert 'name="password"' in student.get(url, timeout=30).text
    assert student.post(url, data={"password": "photosynthesis"}, timeout=30).content == DATA

    page.click("#share-close")
    page.reload()
    expect(row.locator(".file-sharing")).to_have_text(" · 1 download · 1 link")
    row.get_by_role("switch").check()
    expect(row).to_have_class("file private")
    expect(page.locator("#toast")).to_contain_text("is private")
    assert requests.get(server.url + "/fm/download/alice/worksheet-7b.pdf", timeout=30).status_code == 404
    assert row.get_by_role("link", name="Download").get_attribute("href") == (
        "/fm/sharing/files/worksheet-7b.pdf/download"
    )
    assert student.get(url, timeout=30).content == DATA  # the link still serves it
    no_sideways_scroll(page)
    shot(page, "02-private-file-with-counts-390")

    row.get_by_role("button", name="Share").click()
    link_row.get_by_role("button", name="Revoke").click()
    page.click("#confirm-button")  # revoking is for good: the page asks first
    expect(link_row).to_contain_text("Revoked")
    assert student.get(url, timeout=30).status_code == 404
    shot(page, "03-link-revoked-390")


@pytest.fixture
def protected_link(worksheet: Any, link_make: Callable[..., Any]) -> Any:
    return link_make(worksheet, password="photosynthesis")


def test_a_student_gives_the_password_on_a_phone_and_gets_the_file(
    start_server: Callable[..., Any], protected_link: Any, browser_page: Page, tmp_path: Path
) -> None:
    # Chromium posts the no-referrer form with `Origin: null`: the form must still work.
    server = start_server(**SERVER_ENV)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + protected_link.path)
    page.fill("#share-password", "wrong")
    page.click("#share-password-form button[type=submit]")
    expect(page.locator("#share-error")).to_have_text("Wrong password.")
    no_sideways_scroll(page)
    shot(page, "04-password-page-390")

    page.fill("#share-password", "photosynthesis")
    with page.expect_download() as download:
        page.click("#share-password-form button[type=submit]")
    assert Path(download.value.path()).read_bytes() == DATA
    assert download.value.suggested_filename == "worksheet-7b.pdf"
