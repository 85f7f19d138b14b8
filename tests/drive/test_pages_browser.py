"""The pages as a teacher meets them (issue 26), in one headless Chromium against one real
server, at 1280 px and 390 px: the drive (files, uploads and Replace, share dialog, requests,
downloads of files gone), the browsable API and the admin. Screenshots go to test-output/pages/."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.browser import CHROMIUM_ARGS, log_in
from tests.drive.helpers import hand_ins, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "pages"
AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
# A name for 127.0.0.1 that is no secure context: the Clipboard API is missing there,
# as on a school's plain-HTTP server.
PLAIN_HOST = "drive.school.test"
WIDE, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 760}


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {PLAIN_HOST} 127.0.0.1"]
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        yield browser
        browser.close()


def new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport=WIDE).new_page()
    page.set_default_timeout(20_000)
    return page


def shot(page: Page, name: str, *, toast: bool = False) -> None:
    """A screenshot; a dialog's is of the screen (the backdrop covers only that), and a
    toast left from an earlier step is put away unless the step is about it."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    if not toast:
        page.evaluate("document.querySelector('#toast:popover-open')?.hidePopover()")
    page.wait_for_timeout(250)  # let the bars' and dialogs' transitions end
    dialog = page.evaluate("document.querySelector('dialog[open]') !== null")
    page.screenshot(path=str(OUTPUT / f"{name}-{width}.png"), full_page=not dialog)


def fits(page: Page) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def serious_violations(page: Page) -> list[Any]:
    # Evaluated over the DevTools protocol: the page's CSP (script-src 'self') refuses a script tag.
    if not page.evaluate("'axe' in window"):
        page.evaluate(AXE.read_text())
    return list(
        page.evaluate(
            """axe.run(document).then((r) => r.violations
                .filter((v) => ["serious", "critical"].includes(v.impact))
                .map((v) => ({id: v.id, nodes: v.nodes.map((n) => n.target.join(" "))})))"""
        )
    )


def focus_visible(page: Page) -> None:
    """The focused control draws an outline (the keyboard user sees it)."""
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style not in ("", "none"), page.evaluate("document.activeElement.outerHTML")


def on_top(page: Page, selector: str) -> bool:
    """The element is what a click at its centre would hit: nothing is drawn over it."""
    return bool(
        page.evaluate(
            """(s) => { const e = document.querySelector(s); const r = e.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return hit !== null && e.contains(hit); }""",
            selector,
        )
    )


def in_view(page: Page, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(s) => { const r = document.querySelector(s).getBoundingClientRect();
                return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }""",
            selector,
        )
    )


@pytest.fixture
def teacher(drive_user: Any, login: Callable[..., Client]) -> dict[str, Any]:
    """Alice's drive: her worksheet with nine share links, a past request with Anna's hand-ins
    (one late), an open request; made before the browser starts (no ORM calls in its loop)."""
    from account.models import User
    from sharing.models import TIER_DEFAULT, FileRequest
    from sharing.services import share_link_create
    from upload_center.models import StoredFile

    client = login(drive_user)
    essay = hand_ins(drive_user, client)
    worksheet = StoredFile.objects.get(owner=drive_user, name="worksheet.pdf")
    for n in range(9):
        share_link_create(
            owner=drive_user, file=worksheet, label=f"Class {n + 5}B", password="",
            expires_at=TIER_DEFAULT, download_limit=None,
        )  # fmt: skip
    assert upload(client, "lecture.bin", b"lecture " * 100).status_code == 200
    lab = FileRequest.objects.create(
        owner=drive_user, title="Lab report", deadline=timezone.now() + timedelta(days=7)
    )
    drive_user.account.max_file_transfer = 64 * 1024
    drive_user.account.save()
    User.objects.create_superuser(username="root", password="root-secret-9")
    return {"essay": essay.pk, "lab": lab.pk}


def test_a_teacher_meets_the_drive_the_browsable_api_and_the_admin(
    start_server: Callable[..., Any], teacher: dict[str, Any], browser: Browser, tmp_path: Path
) -> None:
    server = start_server()
    page = new_page(browser)
    log_in(page, server.url, "alice", "alice-secret-1")
    expect(page.locator(".file", has_text="worksheet.pdf")).to_contain_text("9 links")

    my_files_hold_only_her_own_files(page)
    the_public_link_is_not_called_a_share_link(page)
    assert serious_violations(page) == []
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        fits(page)
        shot(page, "01-drive")
        submissions_are_grouped_by_uploader_under_their_request(page)
        closing_a_request_and_revoking_a_link_ask_first(page)
    page.set_viewport_size(WIDE)
    the_share_dialog_keeps_its_form_its_links_and_its_toast_in_view(page)
    page.set_viewport_size(PHONE)
    a_link_made_on_a_phone_shows_with_the_close_button(page)
    upload_rows_cancel_retry_and_dismiss(page, tmp_path)
    a_request_without_a_deadline_is_asked_for_in_words(page)
    a_file_deleted_elsewhere_is_said_in_words(page)
    page.set_viewport_size(WIDE)
    everything_works_from_the_keyboard(page, tmp_path)
    page.context.close()

    copy_on_plain_http_says_copied_only_when_it_copied(browser, server.url)
    the_browsable_api_opens_on_a_working_form(browser, server.url)
    the_admin_says_what_the_readme_says(browser, server.url)


def my_files_hold_only_her_own_files(page: Page) -> None:
    expect(page.locator("#file-list .file")).to_have_count(2)  # worksheet.pdf, lecture.bin
    expect(page.locator("#file-list")).not_to_contain_text("Anna König")


def the_public_link_is_not_called_a_share_link(page: Page) -> None:
    row = page.locator(".file", has_text="lecture.bin")
    expect(row.get_by_role("button", name="Copy link", exact=True)).to_have_count(0)
    row.get_by_role("button", name="Copy public link").click()
    expect(page.locator("#toast")).to_have_text("Public link copied")
    request = page.locator(".request-item", has_text="Lab report")
    request.get_by_role("button", name="Copy hand-in link of Lab report").click()
    expect(page.locator("#toast")).to_have_text("Hand-in link copied")


def submissions_are_grouped_by_uploader_under_their_request(page: Page) -> None:
    essay = page.locator(".request-item", has_text="Essay 7B")
    see = essay.locator(".request-see")
    if see.get_attribute("aria-expanded") != "true":
        see.click()
    anna = essay.locator(".submission", has_text="Anna König")
    expect(anna).to_contain_text("2 files, 1 late")
    expect(anna.locator(".submission-file.late")).to_contain_text("appendix.pdf")
    expect(anna.locator(".submission-file:not(.late)")).to_contain_text("essay-anna.pdf")
    expect(essay.get_by_role("link", name="Download ZIP of Essay 7B")).to_be_visible()
    fits(page)
    essay.scroll_into_view_if_needed()
    shot(page, "02-submissions")


def closing_a_request_and_revoking_a_link_ask_first(page: Page) -> None:
    lab = page.locator(".request-item", has_text="Lab report")
    lab.get_by_role("button", name="Close request Lab report").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text("Close Lab report?")
    expect(dialog).to_contain_text("cannot be opened again")
    shot(page, "03-confirm-close-request")
    dialog.get_by_role("button", name="Cancel").click()
    expect(lab).to_contain_text("Open")


def the_share_dialog_keeps_its_form_its_links_and_its_toast_in_view(page: Page) -> None:
    page.locator(".file", has_text="worksheet.pdf").get_by_role("button", name="Share worksheet.pdf").click()
    expect(page.locator(".share-link")).to_have_count(9)
    # The form is on the first screen of the dialog, nine links or not.
    assert in_view(page, "#share-form button[type=submit]")
    first = page.locator(".share-link").first
    url = first.locator(".share-url").input_value()
    assert "/s/" in url
    first.get_by_role("button", name="Copy").click()
    expect(page.locator("#toast")).to_have_text("Share link copied")
    assert on_top(page, "#toast")  # drawn above the dialog, not behind it
    shot(page, "04-share-dialog", toast=True)
    first.get_by_role("button", name="Revoke").click()
    expect(page.locator("#confirm")).to_contain_text("Revoke")
    shot(page, "05-confirm-revoke")
    page.locator("#confirm").get_by_role("button", name="Cancel").click()
    expect(first).to_have_class("share-link active")
    first.get_by_role("button", name="Revoke").click()
    page.click("#confirm-button")
    expect(page.locator(".share-link.revoked")).to_have_count(1)
    assert serious_violations(page) == []  # the dialog, with live and revoked links
    page.click("#share-close")


def a_link_made_on_a_phone_shows_with_the_close_button(page: Page) -> None:
    page.locator(".file", has_text="worksheet.pdf").get_by_role("button", name="Share worksheet.pdf").click()
    page.fill("#share-label", "Parents")
    page.click("#share-form button[type=submit]")
    made = page.locator(".share-link", has_text="Parents")
    expect(made.locator(".share-url")).to_be_focused()
    assert in_view(page, "#share-close") and on_top(page, "#share-close")
    assert in_view(page, ".share-url:focus")
    fits(page)
    shot(page, "06-share-link-made")
    page.click("#share-close")


def upload_rows_cancel_retry_and_dismiss(page: Page, tmp_path: Path) -> None:
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"s" * 100_000)  # over the tier's 64 KiB file limit
    page.set_input_files("#file-input", str(big))
    failed = page.locator(".upload", has_text="scan.pdf")
    expect(failed).to_have_class("upload failed")
    expect(failed.get_by_role("button", name="Retry scan.pdf")).to_be_visible()
    # The failure is a line of text, not a red bar across the row.
    assert failed.locator(".progress-fill").evaluate("e => e.getBoundingClientRect().width") < 5
    shot(page, "07-upload-failed")
    failed.get_by_role("button", name="Dismiss scan.pdf").click()
    expect(failed).to_have_count(0)

    held: list[Route] = []
    page.route(
        "**/tus/**",
        lambda route: held.append(route) if route.request.method == "PATCH" else route.continue_(),
    )
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"notes " * 100)
    page.set_input_files("#file-input", str(notes))
    row = page.locator(".upload", has_text="notes.txt")
    for _ in range(200):  # until its bytes are under way (held here): cancelled mid-transfer
        if held:
            break
        page.wait_for_timeout(50)
    assert held
    row.get_by_role("button", name="Cancel notes.txt").click()
    expect(row.locator(".upload-status")).to_have_text("Cancelled")
    page.unroute("**/tus/**")
    row.get_by_role("button", name="Retry notes.txt").click()
    expect(row).to_have_class("upload done")
    expect(row.locator(".upload-status")).to_have_text("Uploaded")
    # The cancel deleted what the server held: the retry takes the name again.
    expect(page.locator(".file", has_text="notes.txt")).to_have_attribute("data-key", "notes.txt")

    again = tmp_path / "lecture.bin"
    again.write_bytes(b"lecture, take two")
    page.set_input_files("#file-input", str(again))
    twin = page.locator(".upload", has_text="lecture.bin")
    expect(twin.locator(".upload-status")).to_contain_text("Uploaded as lecture_")
    expect(twin.locator(".upload-status")).to_contain_text("a file named lecture.bin was already there")
    fits(page)
    assert serious_violations(page) == []  # the rows with their buttons, at a phone's width
    shot(page, "08-upload-rows")
    for done in (row, twin):
        done.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".upload")).to_have_count(0)


def a_request_without_a_deadline_is_asked_for_in_words(page: Page) -> None:
    page.click("#request-new")
    page.fill("#request-new-title", "Essay 8A")
    page.click("#request-new-form button[type=submit]")
    expect(page.locator("#request-new-error")).to_have_text(
        "Choose a deadline: the date and time the link stops taking files."
    )
    expect(page.locator("#request-new-deadline")).to_be_focused()
    shot(page, "09-request-form")
    page.click("#request-new")


def delete_elsewhere(page: Page, name: str) -> None:
    """As another tab would: this page's list is out of date then."""
    page.evaluate(
        """(key) => fetch("/files.delete", {method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({key})})""",
        name,
    )


def a_file_deleted_elsewhere_is_said_in_words(page: Page) -> None:
    gone = "{} is no longer in your drive: it was deleted or renamed elsewhere."
    delete_elsewhere(page, "lecture.bin")
    page.locator(".file", has_text="lecture.bin").get_by_role("button", name="Share lecture.bin").click()
    expect(page.locator("#toast")).to_have_text(gone.format("lecture.bin"))
    expect(page.locator(".file[data-key='lecture.bin']")).to_have_count(0)
    delete_elsewhere(page, "notes.txt")
    page.locator(".file", has_text="notes.txt").get_by_role("button", name="Delete notes.txt").click()
    page.click("#confirm-button")
    expect(page.locator("#toast")).to_have_text(gone.format("notes.txt"))


def everything_works_from_the_keyboard(page: Page, tmp_path: Path) -> None:
    page.locator("#logout").focus()
    page.keyboard.press("Tab")  # the next stop is the file picker
    assert page.evaluate("document.activeElement.id") == "file-input"
    page.keyboard.press("Shift+Tab")
    focus_visible(page)  # Log out
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.querySelector('#dropzone')).outlineStyle") != "none"
    keyed = tmp_path / "keyed.txt"
    keyed.write_bytes(b"typed")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(keyed))
    expect(page.locator(".upload", has_text="keyed.txt")).to_have_class("upload done")

    row = page.locator(".file", has_text="keyed.txt")
    row.get_by_role("button", name="Share keyed.txt").focus()
    focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("#share-dialog")).to_be_visible()
    page.keyboard.type("Class 9C")  # the first field has the focus
    page.keyboard.press("Enter")
    made = page.locator(".share-link", has_text="Class 9C")
    expect(made.locator(".share-url")).to_be_focused()
    page.keyboard.press("Tab")
    focus_visible(page)
    page.keyboard.press("Enter")  # Copy
    expect(page.locator("#toast")).to_have_text("Share link copied")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Revoke
    expect(page.locator("#confirm")).to_be_visible()
    page.keyboard.press("Tab")
    focus_visible(page)
    page.keyboard.press("Enter")
    expect(made).to_have_class("share-link revoked")
    page.keyboard.press("Escape")
    expect(page.locator("#share-dialog")).to_be_hidden()
    row.get_by_role("button", name="Delete keyed.txt").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(row).to_have_count(0)


@pytest.fixture
def lectures(drive_user: Any, login: Callable[..., Client]) -> str:
    """Alice's lecture.bin with the share link her class has (its token), and a file per width
    to lose in each way; made before the browser starts."""
    from sharing.models import TIER_DEFAULT
    from sharing.services import share_link_create
    from upload_center.models import StoredFile

    client = login(drive_user)
    assert upload(client, "lecture.bin", b"lecture, first take " * 50).status_code == 200
    lecture = StoredFile.objects.get(owner=drive_user, name="lecture.bin")
    link = share_link_create(owner=drive_user, file=lecture, label="Class 7B", expires_at=TIER_DEFAULT)
    for width in (WIDE["width"], PHONE["width"]):
        for kind in ("gone", "lost"):
            assert upload(client, f"{kind}-{width}.pdf", b"%PDF " + kind.encode()).status_code == 200
    return str(link.token)


def test_a_teacher_replaces_a_re_upload_from_the_keyboard(
    start_server: Callable[..., Any], lectures: str, browser: Browser, tmp_path: Path
) -> None:
    server = start_server()
    page = new_page(browser)
    log_in(page, server.url, "alice", "alice-secret-1")
    expect(page.locator(".file[data-key='lecture.bin']")).to_have_count(1)
    for viewport, take in [(WIDE, b"lecture, take two"), (PHONE, b"lecture, take three " * 40)]:
        page.set_viewport_size(viewport)
        a_re_upload_replaces_the_file_from_the_keyboard(page, tmp_path, take, lectures)
    page.context.close()


def test_a_download_of_a_file_gone_is_said_in_the_page(
    start_server: Callable[..., Any], lectures: str, browser: Browser
) -> None:
    server = start_server()
    page = new_page(browser)
    log_in(page, server.url, "alice", "alice-secret-1")
    expect(page.locator(".file[data-key='lecture.bin']")).to_have_count(1)
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        a_download_of_a_file_gone_is_said_in_the_page(page, viewport["width"], server.url)
    a_download_opened_in_a_new_tab_lands_on_the_drive(page, server.url)
    page.context.close()


def a_re_upload_replaces_the_file_from_the_keyboard(
    page: Page, tmp_path: Path, take: bytes, token: str
) -> None:
    source = tmp_path / "lecture.bin"
    source.write_bytes(take)
    page.set_input_files("#file-input", str(source))
    row = page.locator(".upload", has_text="lecture.bin")
    status = row.locator(".upload-status")
    expect(status).to_contain_text("a file named lecture.bin was already there")
    match = re.fullmatch(r"Uploaded as (lecture_\w{7}\.bin): .*", status.inner_text())
    assert match, status.inner_text()
    copy = match[1]
    expect(page.locator(f".file[data-key='{copy}']")).to_have_count(1)
    replace = row.get_by_role("button", name="Replace lecture.bin with this upload")
    expect(replace).to_have_text("Replace")
    fits(page)
    assert serious_violations(page) == []  # the row with its Replace button
    shot(page, "14-replace-offered")

    page.locator("#file-input").focus()
    page.keyboard.press("Tab")  # the next stop after the file picker: the row's Replace
    expect(replace).to_be_focused()
    focus_visible(page)
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text("Replace lecture.bin?")
    expect(dialog).to_contain_text("its public link and share links give the new file")
    shot(page, "16-replace-confirm")
    page.keyboard.press("Tab")  # from Cancel to Replace
    page.keyboard.press("Enter")
    expect(status).to_have_text("Replaced lecture.bin: its links now give this upload")
    expect(page.locator("#toast")).to_have_text("lecture.bin replaced")
    expect(replace).to_be_hidden()
    expect(row.get_by_role("button", name="Dismiss lecture.bin")).to_be_focused()
    expect(page.locator(f".file[data-key='{copy}']")).to_have_count(0)
    expect(page.locator(".file[data-key='lecture.bin']")).to_have_count(1)
    fits(page)
    shot(page, "17-replaced", toast=True)

    # The links a teacher pasted give the new content; the quota counts it alone.
    fetch = "(url) => fetch(url).then((r) => r.text())"
    for link in ("/fm/download/alice/lecture.bin", f"/s/{token}?download=1"):
        assert page.evaluate(fetch, link) == take.decode()
    files = page.evaluate("fetch('/files.list').then((r) => r.json())")["data"]["items"]
    used = page.evaluate("fetch('/core.current').then((r) => r.json())")["data"]["used"]
    assert used == sum(item["size"] for item in files)
    assert [item["size"] for item in files if item["key"] == "lecture.bin"] == [len(take)]
    # The Download link gives it too, as a download (the page stays).
    with page.expect_download() as download:
        page.locator(".file[data-key='lecture.bin']").get_by_role("link", name="Download").click()
    assert Path(download.value.path()).read_bytes() == take
    row.get_by_role("button", name="Dismiss lecture.bin").click()
    expect(row).to_have_count(0)


def a_download_of_a_file_gone_is_said_in_the_page(page: Page, width: int, url: str) -> None:
    from upload_center.storage import storage_delete

    downloads: list[Any] = []

    def started(download: Any) -> None:
        downloads.append(download)

    page.on("download", started)
    gone, lost = f"gone-{width}.pdf", f"lost-{width}.pdf"
    said = "{} is no longer in your drive: it was deleted or renamed elsewhere."
    delete_elsewhere(page, gone)
    page.locator(f".file[data-key='{gone}']").get_by_role("link", name="Download").click()
    expect(page.locator("#toast")).to_have_text(said.format(gone))
    expect(page.locator(f".file[data-key='{gone}']")).to_have_count(0)
    fits(page)
    shot(page, "15-download-missing", toast=True)

    storage_delete(f"alice/{lost}")  # its row stays: its bytes are lost from storage
    page.locator(f".file[data-key='{lost}']").get_by_role("link", name="Download").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_have_text(said.format(lost))
    expect(page.locator(f".file[data-key='{lost}']")).to_have_count(0)
    assert page.url == f"{url}/" and downloads == []  # no JSON page, no failed download
    page.remove_listener("download", started)


def a_download_opened_in_a_new_tab_lands_on_the_drive(page: Page, url: str) -> None:
    page.goto(f"{url}/files.download?key=gone-1280.pdf")
    expect(page.locator("#toast")).to_have_text(
        "gone-1280.pdf is no longer in your drive: it was deleted or renamed elsewhere."
    )
    assert page.url == f"{url}/"
    expect(page.locator(".file[data-key='lecture.bin']")).to_have_count(1)


def copy_on_plain_http_says_copied_only_when_it_copied(browser: Browser, url: str) -> None:
    page = new_page(browser)
    plain = url.replace("127.0.0.1", PLAIN_HOST)
    log_in(page, plain, "alice", "alice-secret-1")
    assert page.evaluate("window.isSecureContext") is False
    # What the system clipboard would receive.
    page.evaluate(
        "document.addEventListener('copy', () => { window.copied = String(getSelection()) ||"
        " document.activeElement.value?.slice(document.activeElement.selectionStart,"
        " document.activeElement.selectionEnd); }, true)"
    )
    page.locator(".file", has_text="worksheet.pdf").get_by_role("button", name="Share worksheet.pdf").click()
    link = page.locator(".share-link.active").first
    link.get_by_role("button", name="Copy").click()
    # Said only when done: the address selected inside the dialog (the page around it is inert).
    expect(page.locator("#toast")).to_have_text("Share link copied")
    assert page.evaluate("window.copied") == link.locator(".share-url").input_value()
    # A browser that refuses even that: the page says so and selects the address to copy by hand.
    page.evaluate("document.execCommand = () => false")
    link.get_by_role("button", name="Copy").click()
    expect(page.locator("#toast")).to_have_text(
        "Share link not copied: your browser refused. It is selected: copy it by hand."
    )
    expect(link.locator(".share-url")).to_be_focused()
    shot(page, "13-copy-refused", toast=True)
    page.context.close()


def the_browsable_api_opens_on_a_working_form(browser: Browser, url: str) -> None:
    page = new_page(browser)
    log_in(page, url, "alice", "alice-secret-1")
    expect(page.locator("#who")).to_have_text("alice")
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"{url}/fm/upload/")
        expect(page.locator(".response-info")).to_contain_text("HTTP 200 OK")
        expect(page.locator(".content-main code", has_text="file_field")).to_be_visible()
        if viewport is WIDE:
            assert in_view(page, "#put-object-form input[type=file]")
        fits(page)
        shot(page, "10-browsable-upload")
        page.goto(f"{url}/fm/manager/")
        lines = page.locator(".response-info pre").inner_text().splitlines()
        assert '    "Account": "Drive tier",' in lines
        fits(page)
        shot(page, "11-browsable-manager")
    page.context.close()


def the_admin_says_what_the_readme_says(browser: Browser, url: str) -> None:
    page = new_page(browser)
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "root-secret-9")
    page.click("input[type=submit]")
    expect(page.locator("#content")).to_contain_text("Accounts")
    page.goto(f"{url}/admin/sharing/sharelink/")
    expect(page.locator("#changelist-filter")).to_contain_text("Active")
    expect(page.locator("#result_list")).to_contain_text("Active")
    fits(page)
    results = page.locator(".results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth")
    shot(page, "12-admin-share-links")
    page.context.close()
