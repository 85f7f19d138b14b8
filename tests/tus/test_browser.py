"""The drive page uploads through /tus/ with tus-js-client (headless Chromium, real server):
a connection cut mid-upload, a server restarted mid-upload and a page reload all go on
from the bytes the server has."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from playwright.sync_api import Page, Request, Response, Route, expect

from tests.browser import log_in
from tests.helpers import ServerProcess
from tests.tus.helpers import MiB
from tus.models import TusUpload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


def stop_mid_patch(server: ServerProcess, offset: int, how: signal.Signals, stopped: threading.Event) -> None:
    """Stops the server with ``how`` while it takes a PATCH from ``offset`` on (one holds
    the upload): SIGTERM as a deploy does (the PATCH may end), SIGKILL as a crash (it is cut)."""
    try:
        while not TusUpload.objects.filter(offset__gte=offset).exclude(lock_token="").exists():
            stopped.wait(0.005)
        server.process.send_signal(how)
        server.process.wait(timeout=30)
    finally:
        connection.close()  # this thread's own connection to the test database
        stopped.set()


class PatchAnswers:
    """The PATCHes by how they ended: (offset, bytes) of each one answered 204, of each
    one cut off without an answer, and the statuses of the others."""

    def __init__(self, page: Page) -> None:
        self.taken: list[tuple[int, int]] = []
        self.cut: list[tuple[int, int]] = []
        self.refused: list[int] = []
        page.on("response", self._answered)
        page.on("requestfailed", lambda request: self._note(request, self.cut))

    def _answered(self, response: Response) -> None:
        if response.status == 204:
            self._note(response.request, self.taken)
        elif response.request.method == "PATCH":
            self.refused.append(response.status)

    @staticmethod
    def _note(request: Request, into: list[tuple[int, int]]) -> None:
        if request.method == "PATCH":
            into.append((int(request.headers["upload-offset"]), len(request.post_data_buffer or b"")))


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_server_restarted_mid_upload_is_gone_on_from_without_starting_over(
    start_server: Callable[..., ServerProcess],
    uploader: Any,
    browser_page: Page,
    tmp_path: Path,
    how: signal.Signals,
) -> None:
    # A short lease: after the crash the next PATCHes wait for it to run out.
    lease = {"TUS_LEASE_SECONDS": "8"}
    server, page = start_server(**lease), browser_page
    source = drive_open(
        page, server.url, PatchCounter(cut=lambda n: False), tmp_path / "lecture.mp4", 40 * MiB
    )
    patches = PatchAnswers(page)
    stopped = threading.Event()
    threading.Thread(target=stop_mid_patch, args=(server, 3 * CHUNK, how, stopped), daemon=True).start()

    page.set_input_files("#file-input", str(source))
    while not stopped.is_set():
        page.wait_for_timeout(50)  # Playwright routes the page's requests meanwhile
    # The same port and database; the page's tus-js-client retries meanwhile (after a
    # crash, PATCHes are 409 until the dead process's lease runs out).
    restarted = start_server(port=urlsplit(server.url).port, **lease)

    expect(page.locator(".upload", has_text="lecture.mp4")).to_have_class("upload done", timeout=150_000)
    # Stored once each: the PATCHes taken whole tile the file, in order, never from 0 again.
    assert [offset for offset, _ in patches.taken] == [n * CHUNK for n in range(10)]
    assert sum(size for _, size in patches.taken) == 40 * MiB
    # Besides those, at most the one PATCH the stop cut short (a crash: PATCHes refused
    # with 409, their bodies not taken, until the lease ran out).
    assert sum(size for _, size in patches.cut) <= CHUNK
    assert set(patches.refused) <= {409}
    assert restarted.get("/fm/download/alice/lecture.mp4").content == source.read_bytes()
