"""File requests over real HTTP: students hand in files at /r/<token> without an account,
into the owner's space and quota, each seeing only their own; the deadline, the
request's limits, closing, and the owner's API."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from sharing.models import FileRequest
from sharing.requests_uploads import OWNER_SPACE_FULL
from tests.sharing.helpers import SERVER_ENV, token_of
from tests.sharing.requests_helpers import hand_in, request_make, visit_open

pytestmark = pytest.mark.django_db(transaction=True)

ESSAY = b"my essay " * 1000


@pytest.fixture
def server(start_server: Callable[..., Any]) -> Any:
    return start_server(**SERVER_ENV)


def auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Token {token_of(user)}"}


def test_a_student_hands_in_files_into_the_owners_space_and_quota(server: Any, alice: Any) -> None:
    made = request_make(server, alice, title="Essay 7B")
    page = requests.get(made["url"], timeout=30)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'id="uploader-name"' in page.text and "Essay 7B" in page.text

    cookie = page.headers["Set-Cookie"]
    path = made["url"].removeprefix(server.url)
    assert f"Path={path}" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie

    visit = visit_open(made["url"])
    answer = hand_in(visit, made["url"], "Sara Ahmadi", [("essay.pdf", ESSAY), ("notes.txt", b"notes")])
    assert answer.status_code == 200, answer.text
    assert [(f["name"], f["size"]) for f in answer.json()["files"]] == [
        ("essay.pdf", len(ESSAY)),
        ("notes.txt", 5),
    ]
    alice.refresh_from_db()
    assert alice.used_storage == len(ESSAY) + 5
    names = requests.get(server.url + "/fm/manager/", headers=auth(alice), timeout=30).json()["Files"]
    assert names == ["Essay 7B - Sara Ahmadi - essay.pdf", "Essay 7B - Sara Ahmadi - notes.txt"]
    assert "essay.pdf" in visit.get(made["url"], timeout=30).text  # listed on the page for this visit


def test_uploaders_do_not_see_each_others_files(server: Any, alice: Any) -> None:
    made = request_make(server, alice)
    sara, omid = visit_open(made["url"]), visit_open(made["url"])
    assert hand_in(sara, made["url"], "Sara", [("sara-essay.pdf", ESSAY)]).status_code == 200
    assert hand_in(omid, made["url"], "Omid", [("omid-essay.pdf", ESSAY)]).status_code == 200
    sara_page, omid_page = sara.get(made["url"], timeout=30).text, omid.get(made["url"], timeout=30).text
    assert "sara-essay.pdf" in sara_page and "omid-essay.pdf" not in sara_page
    assert "omid-essay.pdf" in omid_page and "sara-essay.pdf" not in omid_page
    stranger = requests.get(made["url"], timeout=30).text
    assert "essay.pdf" not in stranger


def test_the_deadline_closes_the_request_and_the_page_says_so(server: Any, alice: Any) -> None:
    made = request_make(server, alice)
    visit = visit_open(made["url"])
    FileRequest.objects.filter(pk=made["id"]).update(deadline=timezone.now() - timedelta(seconds=1))
    page = visit.get(made["url"], timeout=30)
    assert page.status_code == 410
    assert "This request is closed" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    late = hand_in(visit, made["url"], "Late Larry", [("late.pdf", ESSAY)])
    assert late.status_code == 410
    assert late.json()["detail"] == "This request is closed: its deadline has passed."
    alice.refresh_from_db()
    assert alice.used_storage == 0


def test_a_closed_request_answers_as_an_unknown_one(server: Any, alice: Any) -> None:
    made = request_make(server, alice)
    closed = requests.post(
        server.url + f"/fm/sharing/requests/{made['id']}/close", headers=auth(alice), timeout=30
    )
    assert closed.json()["state"] == "closed"
    dead = requests.get(made["url"], timeout=30)
    unknown = requests.get(server.url + "/r/" + "x" * 43, timeout=30)
    assert (dead.status_code, dead.text) == (unknown.status_code, unknown.text) == (404, unknown.text)
    assert dead.headers["Referrer-Policy"] == "no-referrer"
    assert hand_in(requests.Session(), made["url"], "Sara", [("a.pdf", ESSAY)]).status_code == 404


def test_the_size_limit_per_uploader_and_the_allowed_extensions_refuse_with_clear_texts(
    server: Any, alice: Any
) -> None:
    made = request_make(server, alice, size_limit=1500, extensions=[".PDF", "docx"])
    assert made["extensions"] == ["pdf", "docx"]
    visit = visit_open(made["url"])
    assert hand_in(visit, made["url"], "Sara", [("part1.pdf", b"1" * 1000)]).status_code == 200
    over = hand_in(visit, made["url"], "Sara", [("part2.pdf", b"2" * 1000)])
    assert over.status_code == 413
    assert over.json()["detail"] == "You can hand in at most 0.001 Megabytes to this request!"
    other = visit_open(made["url"])  # another student has a limit of their own
    assert hand_in(other, made["url"], "Omid", [("part2.pdf", b"2" * 1000)]).status_code == 200
    wrong = hand_in(other, made["url"], "Omid", [("virus.exe", b"MZ")])
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "This request accepts only these kinds of files: .pdf, .docx."
    alice.refresh_from_db()
    assert alice.used_storage == 2000


def test_a_full_owner_quota_refuses_with_a_text_that_names_the_owners_space(
    server: Any, make_user: Callable[..., Any]
) -> None:
    from account.models import Account

    small = Account.objects.create(title="Small", storage=3000, max_file_transfer=2000)
    owner = make_user("teacher", "teacher-secret-1", account=small)
    made = request_make(server, owner)
    visit = visit_open(made["url"])
    assert hand_in(visit, made["url"], "Sara", [("a.pdf", b"a" * 2000)]).status_code == 200
    full = hand_in(visit, made["url"], "Sara", [("b.pdf", b"b" * 1500)])
    assert (full.status_code, full.json()["detail"]) == (413, OWNER_SPACE_FULL)
    too_big = hand_in(visit, made["url"], "Sara", [("c.pdf", b"c" * 2001)])
    assert (too_big.status_code, too_big.json()["detail"]) == (
        413,
        "You can't upload files more than 0.002 Megabytes!",
    )
    owner.refresh_from_db()
    assert owner.used_storage == 2000


def test_uploads_need_the_name_header_and_refuse_another_origin(server: Any, alice: Any) -> None:
    made = request_make(server, alice)
    visit = visit_open(made["url"])
    # What a cross-site HTML form can send: no custom header.
    form = visit.post(made["url"] + "/files", files={"file": ("a.pdf", ESSAY)}, timeout=30)
    assert form.status_code == 400
    assert "Give your name" in form.json()["detail"]
    for bad in ["%FF%FE", "%0A", "x" * 61]:  # not UTF-8, a control character, too long
        odd = visit.post(made["url"] + "/files", data=b"", headers={"X-Uploader-Name": bad}, timeout=30)
        assert odd.status_code == 400 and "Give your name" in odd.json()["detail"]
    foreign = hand_in(visit, made["url"], "Sara", [("a.pdf", ESSAY)], Origin="https://evil.example")
    assert foreign.status_code == 403
    alice.refresh_from_db()
    assert alice.used_storage == 0


def test_uploads_are_rate_limited_per_client_address(start_server: Callable[..., Any], alice: Any) -> None:
    server = start_server(**SERVER_ENV, FILE_REQUEST_UPLOAD_RATE_LIMIT="2/min")
    made = request_make(server, alice)
    visit = visit_open(made["url"])
    statuses = [hand_in(visit, made["url"], "Sara", [(f"{i}.pdf", ESSAY)]).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    assert int(hand_in(visit, made["url"], "Sara", [("x.pdf", ESSAY)]).headers["Retry-After"]) > 0


def test_the_owner_sees_submissions_and_downloads_them_as_one_zip(server: Any, alice: Any) -> None:
    made = request_make(server, alice, title="Lab report")
    sara, omid = visit_open(made["url"]), visit_open(made["url"])
    hand_in(sara, made["url"], "Sara", [("report.pdf", b"sara's report")])
    hand_in(sara, made["url"], "Sara", [("report.pdf", b"sara's second try")])
    hand_in(omid, made["url"], "Omid", [("report.pdf", b"omid's report")])
    base = server.url + f"/fm/sharing/requests/{made['id']}"

    submissions = requests.get(base + "/submissions", headers=auth(alice), timeout=30).json()["submissions"]
    assert [(s["uploader"], [(f["name"], f["size"]) for f in s["files"]]) for s in submissions] == [
        ("Sara", [("report.pdf", 13), ("report.pdf", 17)]),
        ("Omid", [("report.pdf", 13)]),
    ]
    first = submissions[0]["files"][0]
    assert first["stored_name"] == "Lab report - Sara - report.pdf"
    mine = requests.get(server.url + first["download"], headers=auth(alice), timeout=30)
    assert mine.content == b"sara's report"
    listed = requests.get(server.url + "/fm/sharing/requests", headers=auth(alice), timeout=30).json()
    assert [(r["title"], r["submission_count"], r["file_count"]) for r in listed["requests"]] == [
        ("Lab report", 2, 3)
    ]

    archive = requests.get(base + "/zip", headers=auth(alice), timeout=30)
    assert archive.status_code == 200
    assert archive.headers["Content-Type"] == "application/zip"
    assert archive.headers["Content-Length"] == str(len(archive.content))
    assert 'filename="Lab report.zip"' in archive.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        assert {name: opened.read(name) for name in opened.namelist()} == {
            "Omid/report.pdf": b"omid's report",
            "Sara/report.pdf": b"sara's report",
            "Sara/report (2).pdf": b"sara's second try",
        }

    # The owner deletes a file from the drive: it leaves the submissions and the ZIP.
    omid_file = submissions[1]["files"][0]["stored_name"]
    gone = requests.delete(
        server.url + "/fm/manager/", data={"file_name": omid_file}, headers=auth(alice), timeout=30
    )
    assert gone.status_code == 200
    left = requests.get(base + "/submissions", headers=auth(alice), timeout=30).json()["submissions"]
    assert [s["uploader"] for s in left] == ["Sara"]
    listed = requests.get(server.url + "/fm/sharing/requests", headers=auth(alice), timeout=30).json()
    assert (listed["requests"][0]["submission_count"], listed["requests"][0]["file_count"]) == (1, 2)
    again = requests.get(base + "/zip", headers=auth(alice), timeout=30)
    with zipfile.ZipFile(io.BytesIO(again.content)) as opened:
        assert sorted(opened.namelist()) == ["Sara/report (2).pdf", "Sara/report.pdf"]


def test_bob_cannot_see_list_close_or_download_alices_requests(server: Any, alice: Any, bob: Any) -> None:
    made = request_make(server, alice)
    hand_in(visit_open(made["url"]), made["url"], "Sara", [("a.pdf", ESSAY)])
    base = server.url + f"/fm/sharing/requests/{made['id']}"
    for method, path in [("GET", ""), ("POST", "/close"), ("GET", "/submissions"), ("GET", "/zip")]:
        answer = requests.request(method, base + path, headers=auth(bob), timeout=30)
        assert (answer.status_code, answer.json()) == (404, {"detail": "No such file request."})
    assert requests.get(server.url + "/fm/sharing/requests", headers=auth(bob), timeout=30).json() == {
        "requests": []
    }
    assert requests.get(base, timeout=30).status_code == 401
    assert requests.get(made["url"], timeout=30).status_code == 200  # still open
