"""Sharing on the drive page, in headless Chromium at a phone's width, against the real server."""

from __future__ import annotations

import struct
import zlib
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
    # The Download link is the owner's own, private file or not.
    download = row.get_by_role("link", name="Download")
    assert download.get_attribute("href") == "/files.download?key=worksheet-7b.pdf"
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
    page.click("#share-password-form button[type=submit]")
    # Unlocked: the landing page, its Download button gives the file.
    expect(page.locator("#share-name")).to_have_text("worksheet-7b.pdf")
    expect(page.locator("#share-size")).to_have_text(f"{len(DATA) / 1048576:.3f} Megabytes")
    no_sideways_scroll(page)
    shot(page, "05-share-landing-with-password-390")
    with page.expect_download() as download:
        page.click("#share-download")
    assert Path(download.value.path()).read_bytes() == DATA
    assert download.value.suggested_filename == "worksheet-7b.pdf"


def _png(width: int, height: int) -> bytes:
    """A small valid PNG (one colour), without an imaging library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x2e\x7d\xd1" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def photo_link(alice: Any, store: Callable[..., Any], link_make: Callable[..., Any]) -> Any:
    return link_make(store(alice, "experiment-photo.png", _png(640, 360)))


def test_a_student_opens_a_link_on_a_laptop_and_a_phone_and_a_dead_link_says_so(
    start_server: Callable[..., Any], photo_link: Any, browser_page: Page
) -> None:
    server = start_server(**SERVER_ENV)
    page = browser_page
    for width, height in [(1280, 800), (390, 844)]:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server.url + photo_link.path)
        expect(page.locator("#share-name")).to_have_text("experiment-photo.png")
        preview = page.locator("#share-preview")
        expect(preview).to_be_visible()
        page.wait_for_function("document.getElementById('share-preview').naturalWidth === 640")
        if width == 390:
            no_sideways_scroll(page)
        shot(page, f"06-share-landing-{width}")

    dead = page.goto(f"{server.url}/s/no-such-link")
    assert dead is not None and dead.status == 404
    expect(page.locator("#dead-link")).to_have_text("Link not available")
    no_sideways_scroll(page)
    shot(page, "07-dead-link-390")
