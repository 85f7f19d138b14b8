"""The drive page's security headers, and the pages still working under them in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tests.browser import log_in

# Records what the browser reports, before any of the page's own code runs.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.mark.django_db
def test_the_drive_page_sends_the_security_headers() -> None:
    answer = Client().get("/")

    assert answer.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in answer["Content-Security-Policy"].split(";") if part.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in answer["Content-Security-Policy"]
    assert answer["Referrer-Policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "DENY"


def watch(page: Page) -> list[str]:
    """CSP reports of the page: its console messages and the violation events."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(CSP_LISTENER)
    return messages


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_in_upload_and_delete_under_the_policy(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page, tmp_path: Path
) -> None:
    server = start_server()
    page = browser_page
    console = watch(page)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    with page.expect_response(server.url + "/") as first:
        log_in(page, server.url, "alice", "alice-secret-1")
    assert "script-src 'self'" in first.value.headers["content-security-policy"]
    expect(page.locator("#who")).to_have_text("alice")

    source = tmp_path / "notes.txt"
    source.write_bytes(b"under the policy\n" * 1000)
    page.set_input_files("#file-input", str(source))
    row = page.locator(".file", has_text="notes.txt")
    expect(row).to_contain_text("16.6 KB")
    row.get_by_role("button", name="Delete").click()
    page.click("#confirm-button")
    expect(page.locator(".file")).to_have_count(0)

    assert any('"INITIAL"' in frame for frame in frames)  # the WebSocket is allowed by connect-src
    assert violations(page) == [] and console == []
    # The listener does see a violation: an inline script is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1'; document.body.append(s); }"
    )
    assert any(v.startswith("script-src") for v in violations(page))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_login_page_renders_with_its_styles(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page
) -> None:
    server = start_server()
    page = browser_page
    console = watch(page)
    page.goto(server.url + "/admin/login/")

    expect(page.locator("#login-form")).to_be_visible()
    # base.css styles the header; without the stylesheet it would be a plain block.
    assert page.evaluate("getComputedStyle(document.querySelector('#header')).display") == "flex"
    assert violations(page) == [] and console == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browsable_api_renders_after_its_login(
    start_server: Callable[..., Any], drive_user: Any, browser_page: Page
) -> None:
    server = start_server()
    page = browser_page
    console = watch(page)
    page.goto(server.url + "/api-auth/login/?next=/fm/manager/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-secret-1")
    page.click("[type=submit]")

    expect(page.locator(".response-info")).to_contain_text('"Account": "Drive tier"')
    # Bootstrap gives the navbar its height: the API's stylesheets are applied.
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).minHeight") == "50px"
    assert violations(page) == [] and console == []
