"""The drive page uploads through /tus/ with tus-js-client (headless Chromium, real server):
a connection cut mid-upload and a page reload both go on from the bytes the server has."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.drive.test_browser import browser_page, log_in
from tests.tus.helpers import MiB

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["browser_page"]

CHUNK = 4 * MiB  # the page's PATCH size (TUS_CHUNK in drive.js)


class PatchCounter:
    """Counts the PATCH bytes that reach the server; cuts the PATCHes it is told to."""

    def __init__(self, cut: Callable[[int], bool]) -> None:
        self.cut = cut
        self.seen = 0
        self.delivered = 0
        self.offsets: list[int] = []

    def __call__(self, route: Route) -> None:
        request = route.request
        if request.method != "PATCH":
            route.continue_()
            return
        self.seen += 1
        if self.cut(self.seen):
            route.abort("connectionreset")
            return
        self.offsets.append(int(request.headers["upload-offset"]))
        self.delivered += len(request.post_data_buffer or b"")
        route.continue_()


@pytest.fixture
def uploader(make_user: Callable[..., Any]) -> Any:
    from account.models import Account

    tier = Account.objects.create(title="Video", storage=100 * MiB, max_file_transfer=64 * MiB)
    return make_user("alice", "alice-secret-1", account=tier)


def drive_open(page: Page, url: str, counter: PatchCounter, source: Path, size: int) -> Path:
    """Alice on the drive page, her PATCHes going through ``counter``; a file of ``size`` to send."""
    page.route("**/tus/**", counter)
    log_in(page, url, "alice", "alice-secret-1")
    expect(page.locator("#who")).to_have_text("alice")
    source.write_bytes(os.urandom(size))
    return source


def test_a_40_mib_upload_cut_mid_way_goes_on_without_starting_over(
    start_server: Callable[..., Any], uploader: Any, browser_page: Page, tmp_path: Path
) -> None:
    server, page = start_server(), browser_page
    counter = PatchCounter(cut=lambda n: n == 4)  # the 4th PATCH's connection drops
    source = drive_open(page, server.url, counter, tmp_path / "lecture.mp4", 40 * MiB)

    page.set_input_files("#file-input", str(source))

    expect(page.locator(".upload", has_text="lecture.mp4")).to_have_class("upload done", timeout=120_000)
    expect(page.locator(".file", has_text="lecture.mp4")).to_contain_text("40.0 MB")
    assert counter.delivered == 40 * MiB  # every byte reached the server once
    assert counter.offsets == [n * CHUNK for n in range(10)]
    assert server.get("/fm/download/alice/lecture.mp4").content == source.read_bytes()


def test_after_a_reload_the_same_file_goes_on_where_it_stopped(
    start_server: Callable[..., Any], uploader: Any, browser_page: Page, tmp_path: Path
) -> None:
    server, page = start_server(), browser_page
    counter = PatchCounter(cut=lambda n: n > 3)  # the connection is gone after 3 PATCHes
    source = drive_open(page, server.url, counter, tmp_path / "raw.cr3", 20 * MiB)
    page.set_input_files("#file-input", str(source))
    upload = page.locator(".upload", has_text="raw.cr3")
    # 12 of 20 MiB (moto's S3 is slow to take parts: more than expect's 5 s on a busy machine)
    expect(upload.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "60", timeout=60_000)

    page.reload()  # the tab is reloaded mid-upload; the user picks the file again
    counter.cut = lambda n: False
    expect(page.locator("#who")).to_have_text("alice")
    page.set_input_files("#file-input", str(source))

    expect(page.locator(".upload", has_text="raw.cr3")).to_have_class("upload done", timeout=120_000)
    assert counter.offsets == [0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]
    assert counter.delivered == 20 * MiB
    assert server.get("/fm/download/alice/raw.cr3").content == source.read_bytes()
