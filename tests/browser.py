"""Helpers of the browser tests (headless Debian Chromium through Playwright); the page fixture,
``browser_page``, is in tests/conftest.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def log_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url + "/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
