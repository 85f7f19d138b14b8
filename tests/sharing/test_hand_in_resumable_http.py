"""Resumable hand-ins over real HTTP (tus at /r/<token>/tus/): a cut upload goes on
from the server's offset and ends as one stored, private, charged file; the receipt's
SHA-256 is the stored bytes'; the sender removes or replaces a file until the deadline,
from the same browser or with the receipt, and nobody else can."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests
from django.utils import timezone

from sharing.models import FileRequest, SubmissionFile
from tests.sharing.helpers import SERVER_ENV, token_of
from tests.sharing.requests_helpers import hand_in, request_make, visit_open

pytestmark = pytest.mark.django_db(transaction=True)

TUS = {"Tus-Resumable": "1.0.0"}
ESSAY = bytes(range(256)) * 400  # 100 KiB


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Any:
    return start_server(**SERVER_ENV)


def _create(
    visit: requests.Session, url: str, name: str, length: int, uploader: str = "Sara"
) -> requests.Response:
    metadata = f"filename {base64.b64encode(name.encode()).decode()}"
    headers = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata, "X-Uploader-Name": uploader}
    return visit.post(url + "/tus/", headers=headers, timeout=30)


def _patch(visit: requests.Session, location: str, offset: int, body: bytes) -> requests.Response:
    headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    return visit.patch(location, data=body, headers=headers, timeout=30)


def test_a_cut_hand_in_resumes_into_one_private_charged_file_with_a_true_receipt(
    server: Any, alice: Any
) -> None:
    made = request_make(server, alice, title="Essay")
    visit = visit_open(made["url"])
    created = _create(visit, made["url"], "essay.pdf", len(ESSAY))
    assert created.status_code == 201, created.text
    location = server.url + created.headers["Location"]
    assert created.headers["Location"].startswith(made["url"].removeprefix(server.url) + "/tus/")

    cut = len(ESSAY) * 6 // 10
    assert _patch(visit, location, 0, ESSAY[:cut]).status_code == 204
    # Another browser, holding the id, cannot touch it; the same one learns where it stopped.
    assert requests.head(location, headers=TUS, timeout=30).status_code == 404
    assert visit.head(location, headers=TUS, timeout=30).headers["Upload-Offset"] == str(cut)
    assert _patch(visit, location, cut, ESSAY[cut:]).status_code == 204

    alice.refresh_from_db()
    assert alice.used_storage == len(ESSAY)  # one charge, the reservation turned into use
    rows = list(SubmissionFile.objects.select_related("file"))
    assert [(r.original_name, r.file.name, r.file.private) for r in rows] == [
        ("essay.pdf", "Essay - Sara - essay.pdf", True)
    ]
    assert (
        requests.get(f"{server.url}/fm/download/alice/Essay - Sara - essay.pdf", timeout=30).status_code
        == 404
    )

    listed = visit.get(made["url"] + "/files", timeout=30).json()["files"]
    assert [(f["name"], f["size"], f["late"]) for f in listed] == [("essay.pdf", len(ESSAY), False)]
    receipt = requests.get(server.url + listed[0]["receipt"], timeout=30)  # any browser, with the URL
    assert receipt.status_code == 200
    assert hashlib.sha256(ESSAY).hexdigest() in receipt.text and "on time" in receipt.text
    stored = requests.get(
        f"{server.url}/fm/sharing/files/{quote(rows[0].file.name, safe='')}/download",
        headers={"Authorization": f"Token {token_of(alice)}"},
        timeout=30,
    )
    assert hashlib.sha256(stored.content).hexdigest() == listed[0]["sha256"]
    owners_view = requests.get(
        f"{server.url}/fm/sharing/requests/{made['id']}/submissions",
        headers={"Authorization": f"Token {token_of(alice)}"},
        timeout=30,
    ).json()["submissions"]
    assert [(f["name"], f["sha256"], f["late"]) for f in owners_view[0]["files"]] == [
        ("essay.pdf", listed[0]["sha256"], False)
    ]


def test_the_request_limits_and_the_owners_space_refuse_a_hand_in_before_its_bytes(
    server: Any, alice: Any
) -> None:
    made = request_make(server, alice, size_limit=1000, extensions=["pdf"])
    visit = visit_open(made["url"])
    over = _create(visit, made["url"], "big.pdf", 1001)
    assert (over.status_code, over.json()["detail"]) == (
        413,
        "You can hand in at most 0.001 Megabytes to this request!",
    )
    kind = _create(visit, made["url"], "run.exe", 10)
    assert (kind.status_code, kind.json()["detail"]) == (
        400,
        "This request accepts only these kinds of files: .pdf.",
    )
    assert _create(visit, made["url"], "a.pdf", 600).status_code == 201
    # What is on its way counts: a second 600 bytes would pass the limit.
    assert _create(visit, made["url"], "b.pdf", 600).status_code == 413
    assert _create(requests.Session(), made["url"], "c.pdf", 10).status_code == 403  # no visit: open the page

    full = request_make(server, alice, total_files_limit=1)
    first, second = visit_open(full["url"]), visit_open(full["url"])
    assert hand_in(first, full["url"], "Sara", [("a.pdf", b"a")]).status_code == 200
    refused = _create(second, full["url"], "b.pdf", 1, uploader="Omid")
    assert (refused.status_code, refused.json()["detail"]) == (
        413,
        "This request is full: it takes no more files. Let its owner know.",
    )


def test_a_sender_removes_or_replaces_a_hand_in_until_the_deadline_and_nobody_else_can(
    server: Any, alice: Any
) -> None:
    made = request_make(server, alice, title="Lab")
    visit = visit_open(made["url"])
    answer = hand_in(visit, made["url"], "Sara", [("lab.pdf", b"first"), ("extra.pdf", b"extra")])
    first, extra = answer.json()["files"]
    files = made["url"] + "/files/"

    stranger = visit_open(made["url"])
    assert stranger.delete(files + str(first["id"]), timeout=30).status_code == 404
    assert (
        stranger.delete(files + str(first["id"]), headers={"X-Receipt": "guess"}, timeout=30).status_code
        == 404
    )
    # Replace, as the page does: the new file first, then the old one goes (same browser).
    assert hand_in(visit, made["url"], "Sara", [("lab.pdf", b"second")]).status_code == 200
    assert visit.delete(files + str(first["id"]), timeout=30).status_code == 204
    # Remove from any browser with the receipt's secret.
    secret = extra["receipt"].rsplit("/", 1)[1]
    assert (
        stranger.delete(files + str(extra["id"]), headers={"X-Receipt": secret}, timeout=30).status_code
        == 204
    )
    assert [
        (f["name"], f["size"]) for f in visit.get(made["url"] + "/files", timeout=30).json()["files"]
    ] == [("lab.pdf", 6)]
    alice.refresh_from_db()
    assert alice.used_storage == 6

    kept = visit.get(made["url"] + "/files", timeout=30).json()["files"][0]
    FileRequest.objects.filter(pk=made["id"]).update(deadline=timezone.now() - timedelta(seconds=1))
    late = visit.delete(files + str(kept["id"]), timeout=30)
    assert (late.status_code, late.json()["detail"]) == (
        410,
        "This request is closed: its deadline has passed.",
    )
    receipt = requests.get(server.url + kept["receipt"], timeout=30)
    assert receipt.status_code == 200 and "Remove" not in receipt.text
