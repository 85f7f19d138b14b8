"""Hand-ins over real HTTP as a class meets them: what one student hands in no
classmate can fetch, the page's limit says what the refusal says, the owner's ZIP
unpacks safely anywhere, and refusals speak to the student (issues 24 and 26)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from sharing.models import SubmissionFile
from tests.sharing.helpers import SERVER_ENV, token_of
from tests.sharing.requests_helpers import hand_in, request_make, visit_open

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Any:
    return start_server(**SERVER_ENV)


def auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {token_of(user)}"}


def test_a_classmate_cannot_download_a_hand_in_by_its_guessable_path(server: Any, alice: Any) -> None:
    made = request_make(server, alice, title="Essay 7B")
    visit = visit_open(made["url"])
    assert hand_in(visit, made["url"], "Sara", [("essay.pdf", b"Sara's essay")]).status_code == 200

    stored = "Essay 7B - Sara - essay.pdf"
    guessed = requests.get(f"{server.url}/fm/download/alice/{stored}", timeout=30)
    assert guessed.status_code == 404
    assert guessed.json() == {"detail": f"{stored} hasn't existed!"}
    # The owner still has it: the management API's own download and the file list.
    own = requests.get(
        f"{server.url}/fm/sharing/files/{quote(stored, safe='')}/download", headers=auth(alice), timeout=30
    )
    assert (own.status_code, own.content) == (200, b"Sara's essay")
    files = requests.get(server.url + "/fm/sharing/files", headers=auth(alice), timeout=30).json()["files"]
    assert [(f["name"], f["private"]) for f in files] == [(stored, True)]


def test_the_pages_size_limit_reads_as_the_refusal_does(server: Any, alice: Any) -> None:
    made = request_make(server, alice, size_limit=300_000)
    page = requests.get(made["url"], timeout=30).text
    assert "At most 0.286 Megabytes from each person." in page

    visit = visit_open(made["url"])
    over = hand_in(visit, made["url"], "Sara", [("big.pdf", b"x" * 300_001)])
    assert (over.status_code, over.json()["detail"]) == (
        413,
        "You can hand in at most 0.286 Megabytes to this request!",
    )
    assert hand_in(visit, made["url"], "Sara", [("small.pdf", b"x" * 65536)]).status_code == 200
    # The page's own list uses the same rule (half to even: 65536 bytes is 0.0625 MB).
    assert "0.062 Megabytes" in visit.get(made["url"], timeout=30).text


def test_the_zip_of_hand_ins_unpacks_inside_its_folder_whatever_the_names(
    server: Any, alice: Any, tmp_path: Path
) -> None:
    made = request_make(server, alice, title="Lab: 3")
    visit = visit_open(made["url"])
    sent = [("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c"), ("d.txt", b"d")]
    assert hand_in(visit, made["url"], "C:\\Windows", sent).status_code == 200
    # Names only rows stored before names were checked can carry; the ZIP must cope.
    rows = list(SubmissionFile.objects.order_by("pk"))
    for row, name in zip(rows, ["..", "../../evil.txt", "bell\x07.txt", "CON.txt"], strict=True):
        SubmissionFile.objects.filter(pk=row.pk).update(original_name=name)

    answer = requests.get(
        f"{server.url}/fm/sharing/requests/{made['id']}/zip", headers=auth(alice), timeout=30
    )
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = archive.namelist()
    assert len(set(names)) == 4
    for name in names:
        parts = name.split("/")
        assert len(parts) == 2 and not name.startswith("/"), name
        assert all(part not in {"", ".", ".."} and ":" not in part for part in parts), name
        assert all(ch.isprintable() for ch in name), name
        assert parts[1].split(".")[0].upper() != "CON", name
    target = tmp_path / "unpacked"
    archive.extractall(target)
    unpacked = sorted(p.read_bytes() for p in target.rglob("*") if p.is_file())
    assert unpacked == [b"a", b"b", b"c", b"d"]  # every file, each inside the target folder
    assert "Lab- 3.zip" in answer.headers["Content-Disposition"]  # the archive's own name too


def test_refusals_name_what_the_student_sent_and_whose_space_is_full(
    server: Any, make_user: Callable[..., Any]
) -> None:
    from account.models import Account

    small = Account.objects.create(title="Small", storage=3000, max_file_transfer=2000)
    owner = make_user("teacher", "teacher-secret-1", account=small)
    made = request_make(server, owner, title="Essay")
    visit = visit_open(made["url"])
    empty = hand_in(visit, made["url"], "Sara", [("empty.pdf", b"")])
    assert (empty.status_code, empty.json()["detail"]) == (400, "Empty files can't be uploaded: empty.pdf.")
    assert hand_in(visit, made["url"], "Sara", [("a.pdf", b"a" * 2000)]).status_code == 200
    full = hand_in(visit, made["url"], "Sara", [("b.pdf", b"b" * 1500)])
    assert full.status_code == 413
    assert (
        full.json()["detail"]
        == "This request cannot take this file: its owner's space is full. Let them know."
    )
