"""Helpers of the browser tests (headless Debian Chromium through Playwright); the page fixture,
``browser_page``, is in tests/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output"))


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


def screenshot(page: Page, folder: str, name: str) -> None:
    """The whole page as ``<TEST_OUTPUT_DIR>/<folder>/<name>.png``. CSS transitions and animations
    (progress bars, fades) are run to their end first, so no fixed wait is needed for them."""
    (OUTPUT / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / folder / f"{name}.png"), full_page=True, animations="disabled")
