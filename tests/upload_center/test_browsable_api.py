"""The DRF browsable API as a person uses it: in Chromium, against the real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser import CHROMIUM_ARGS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USERNAME, PASSWORD = "kian", "ak18-secret"


@pytest.fixture
def kian(make_user: Callable[..., Any]) -> Any:
    # Made before the browser starts: Django refuses ORM calls inside Playwright's event loop.
    return make_user(USERNAME, PASSWORD)


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        context.close()
        browser.close()


def shot(page: Page, name: str) -> None:
    screenshot(page, "browsable-api", name)


def files_via_api(url: str) -> Any:
    token = requests.post(f"{url}/fm/login/", data={"username": USERNAME, "password": PASSWORD}, timeout=30)
    headers = {"Authorization": f"Token {token.json()['token']}"}
    return requests.get(f"{url}/fm/manager/", headers=headers, timeout=30).json()["Files"]


def test_upload_two_files_and_delete_one_through_the_browsable_pages(
    start_server: Callable[..., Any], kian: Any, page: Page, tmp_path: Path
) -> None:
    server = start_server()
    page.goto(f"{server.url}/api-auth/login/?next=/fm/upload/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("#submit-id-submit")
    form = page.locator("#put-object-form form")
    expect(form.locator("input[type=file][name=file_field]")).to_have_attribute("multiple", "")
    shot(page, "01-upload-form")

    (tmp_path / "notes.txt").write_text("lecture notes")
    (tmp_path / "слайды.pdf").write_bytes(b"%PDF-1.4 slides")
    form.locator("input[name=file_field]").set_input_files([tmp_path / "notes.txt", tmp_path / "слайды.pdf"])
    form.get_by_role("button", name="PUT").click()
    answer = page.locator(".response-info")
    expect(answer).to_contain_text("HTTP 200 OK")
    expect(answer).to_contain_text('"notes.txt": "/fm/download/kian/notes.txt"')
    expect(answer).to_contain_text('"слайды.pdf": "/fm/download/kian/слайды.pdf"')
    shot(page, "02-uploaded")
    assert files_via_api(server.url) == ["notes.txt", "слайды.pdf"]

    page.goto(f"{server.url}/fm/manager/")
    expect(page.locator(".response-info")).to_contain_text('"Files": [')
    page.click("#delete-file-button")
    dialog = page.locator("#deleteFileModal")
    dialog.locator("input[name=file_name]").fill("notes.txt")
    shot(page, "03-delete-form")
    dialog.get_by_role("button", name="Delete").click()
    answer = page.locator(".response-info")
    expect(answer).to_contain_text("HTTP 200 OK")
    expect(answer).to_contain_text('"detail": "notes.txt Deleted Successfully."')
    shot(page, "04-deleted")
    assert files_via_api(server.url) == ["слайды.pdf"]


def test_fm_login_shows_a_login_form_that_answers_the_token(
    start_server: Callable[..., Any], kian: Any, page: Page
) -> None:
    server = start_server()
    page.goto(f"{server.url}/fm/login/")
    form = page.locator("#post-object-form form")
    form.locator("input[name=username]").fill(USERNAME)
    form.locator("input[name=password]").fill(PASSWORD)
    expect(form.locator("input[name=password]")).to_have_attribute("type", "password")
    shot(page, "05-login-form")
    form.get_by_role("button", name="POST").click()
    answer = page.locator(".response-info")
    expect(answer).to_contain_text("HTTP 200 OK")
    expect(answer).to_contain_text('"token": "')
    shot(page, "06-token")
