"""The drive page's Download (issue 26): /files.download, the owner's own download. A file
gone (deleted elsewhere, or its bytes missing from storage) is a 404 to the page's HEAD and
sends a browser to the drive page, which says so; /fm/download/ answers as the contract says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.drive.helpers import upload

pytestmark = pytest.mark.django_db

DATA = b"worksheet " * 1000
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def alice(drive_user: Any, login: Callable[..., Client]) -> Client:
    client = login(drive_user)
    assert upload(client, "worksheet 7B.pdf", DATA).status_code == 200
    return client


def own(client: Client, name: str, method: str = "get", **headers: str) -> Any:
    return getattr(client, method)("/files.download", {"key": name}, headers=headers)


def bytes_lost(name: str) -> None:
    """Its row stays; its bytes go, as when a disk or bucket loses them."""
    from upload_center.storage import storage_delete

    storage_delete(f"alice/{name}")


def test_the_owner_downloads_a_file_streamed_and_uncounted(drive_user: Any, alice: Client) -> None:
    from upload_center.models import StoredFile

    answer = own(alice, "worksheet 7B.pdf", Accept=BROWSER)
    assert answer.status_code == 200 and answer.streaming  # a FileResponse: never whole in memory
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["Content-Length"] == str(len(DATA))
    assert b"".join(answer.streaming_content) == DATA
    ranged = alice.get("/files.download", {"key": "worksheet 7B.pdf"}, headers={"Range": "bytes=0-8"})
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == DATA[:9]
    head = own(alice, "worksheet 7B.pdf", "head")
    assert head.status_code == 200 and head["Content-Length"] == str(len(DATA)) and head.content == b""
    # The class's count is of the students' downloads, not of the teacher's own.
    assert StoredFile.objects.get(name="worksheet 7B.pdf").download_count == 0


def test_a_private_file_is_the_owners_to_download(alice: Client) -> None:
    patched = alice.patch(
        "/fm/sharing/files/worksheet 7B.pdf", {"private": True}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert Client().get("/fm/download/alice/worksheet 7B.pdf").status_code == 404
    assert b"".join(own(alice, "worksheet 7B.pdf").streaming_content) == DATA


@pytest.mark.parametrize("how", ["deleted elsewhere", "bytes missing"])
def test_a_file_gone_is_a_404_to_the_pages_check_and_a_page_for_a_browser(alice: Client, how: str) -> None:
    if how == "deleted elsewhere":
        deleted = alice.post("/files.delete", {"key": "worksheet 7B.pdf"}, content_type="application/json")
        assert deleted.status_code == 200
    else:
        bytes_lost("worksheet 7B.pdf")

    head = own(alice, "worksheet 7B.pdf", "head")
    assert head.status_code == 404 and head.content == b""
    # A browser that opens the link itself (a new tab) lands on the drive, which says it.
    opened = own(alice, "worksheet 7B.pdf", Accept=BROWSER)
    assert opened.status_code == 302 and opened["Location"] == "/?missing=worksheet+7B.pdf"
    page = alice.get(opened["Location"])
    assert page.status_code == 200 and b'id="file-list"' in page.content
    # A script gets the drive's envelope, naming the file.
    scripted = own(alice, "worksheet 7B.pdf", Accept="application/json")
    assert scripted.status_code == 404
    assert scripted.json() == {
        "status": "not_found",
        "message": "worksheet 7B.pdf hasn't existed!",
        "data": {"key": "worksheet 7B.pdf"},
    }
    # The public path keeps the contract's JSON for API clients, browsers or not.
    for accept in (BROWSER, "*/*"):
        public = Client().get("/fm/download/alice/worksheet 7B.pdf", headers={"Accept": accept})
        assert public.status_code == 404
        assert public.json() == {"detail": "worksheet 7B.pdf hasn't existed!"}


def test_alice_cannot_download_bobs_file_with_the_drives_link(
    alice: Client, make_user: Callable[..., Any], login: Callable[..., Client], drive_tier: Any
) -> None:
    bob = login(make_user("bob", "bob-secret-1", account=drive_tier), "bob-secret-1")
    assert upload(bob, "answers.pdf", b"bob's answers").status_code == 200
    for method in ("get", "head"):
        assert own(alice, "answers.pdf", method).status_code == 404
    assert own(Client(), "worksheet 7B.pdf").status_code == 401
    assert alice.get("/files.download").status_code == 400  # no key
