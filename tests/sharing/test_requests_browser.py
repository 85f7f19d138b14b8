"""File requests in headless Chromium at a phone's width, against the real server: a
teacher makes one on the drive, a student hands in work from the link, the teacher
sees it. Screenshots under test-output/sharing/."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser import log_in
from tests.sharing.helpers import SERVER_ENV, no_sideways_scroll, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ESSAY = b"%PDF-1.4 my essay " * 150_000  # 2.6 MB: the bar has something to show


def test_a_teacher_collects_homework_that_a_student_uploads_from_a_phone(
    start_server: Callable[..., Any], alice: Any, browser_page: Page, tmp_path: Path
) -> None:
    server = start_server(**SERVER_ENV)
    teacher = browser_page
    teacher.set_viewport_size(PHONE)
    log_in(teacher, server.url, "alice", "alice-secret-1")
    expect(teacher.locator("#requests-empty")).to_be_visible()
    teacher.click("#request-new")
    teacher.fill("#request-new-title", "Essay 7B")
    deadline = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    teacher.fill("#request-new-deadline", deadline)
    teacher.fill("#request-new-kinds", "pdf")
    no_sideways_scroll(teacher)
    shot(teacher, "10-new-file-request-390")
    teacher.click("#request-new-form button[type=submit]")
    row = teacher.locator(".request-item", has_text="Essay 7B")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("0 people · 0 files")
    made = teacher.evaluate("fetch('/fm/sharing/requests').then(r => r.json()).then(b => b.requests[0])")
    url = made["url"]

    student = teacher.context.browser.new_context(viewport=PHONE).new_page()  # type: ignore[union-attr]
    student.goto(url)
    expect(student.locator("#request-title")).to_have_text("Essay 7B")
    essay, other = tmp_path / "essay.pdf", tmp_path / "virus.exe"
    essay.write_bytes(ESSAY)
    other.write_bytes(b"MZ")
    student.click("#request-send")
    expect(student.locator("#request-error")).to_have_text("Give your name first.")
    student.fill("#uploader-name", "Sara Ahmadi")
    student.set_input_files("#request-files", [str(essay), str(other)])
    student.click("#request-send")
    done = student.locator("#request-progress li.done")
    expect(done).to_contain_text("essay.pdf")
    expect(done.locator(".request-progress-status")).to_have_text("Uploaded")
    assert done.locator("progress").evaluate(f"bar => bar.value === bar.max && bar.max === {len(ESSAY)}")
    # Refused in the page before a byte is sent, with the server's own text.
    expect(student.locator("#request-progress li.failed")).to_contain_text(
        "This request accepts only these kinds of files: .pdf."
    )
    expect(student.locator("#request-uploads .request-file")).to_have_count(1)
    no_sideways_scroll(student)
    shot(student, "11-student-uploads-390")
    student.reload()  # the visit's uploads are still listed, from its cookie
    expect(student.locator("#request-uploads")).to_contain_text("essay.pdf")
    student.context.close()

    teacher.reload()
    expect(row).to_contain_text("1 person · 1 file")
    row.get_by_role("button", name="Submissions").click()
    expect(row.locator(".submission")).to_contain_text("Sara Ahmadi")
    expect(row.locator(".submission")).to_contain_text("essay.pdf")
    zip_link = row.get_by_role("link", name="Download ZIP")
    assert zip_link.get_attribute("href") == f"/fm/sharing/requests/{made['id']}/zip"
    with teacher.expect_download() as download:
        zip_link.click()
    assert download.value.suggested_filename == "Essay 7B.zip"
    no_sideways_scroll(teacher)
    shot(teacher, "12-submissions-390")
