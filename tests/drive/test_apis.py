"""The drive's JSON API: every endpoint, its codes and its envelope (CONTRACT section 3)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.drive.helpers import MiB, upload
from tests.upload_center.helpers import unreachable_s3
from upload_center.models import StoredFile
from upload_center.storage import storage_read

pytestmark = pytest.mark.django_db

UPLOAD_ID = str(uuid.uuid4())


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["data"] == {} or isinstance(body["data"], dict)
    return body


# --- core.login / core.logout / core.current -------------------------------------


def test_login_sets_a_session_cookie_and_answers_an_empty_envelope(drive_user: Any) -> None:
    client = Client()
    response = client.post(
        "/core.login", {"username": "alice", "password": "alice-secret-1"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "data": {}}
    assert "sessionid" in response.cookies


def test_login_with_a_wrong_password_is_forbidden(drive_user: Any) -> None:
    response = Client().post(
        "/core.login", {"username": "alice", "password": "nope"}, content_type="application/json"
    )
    error(response, 403, "forbidden")
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize(
    "body", [{"username": "alice"}, {"password": "x"}, {}, {"username": 1, "password": 2}]
)
def test_login_without_a_field_is_a_bad_request(drive_user: Any, body: dict[str, Any]) -> None:
    error(Client().post("/core.login", body, content_type="application/json"), 400, "bad_request")


def test_login_with_broken_json_is_a_bad_request(drive_user: Any) -> None:
    error(Client().post("/core.login", "{nope", content_type="application/json"), 400, "bad_request")


def test_current_describes_the_user_and_quota_in_bytes(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    upload(client, "a.bin", b"x" * 1000)
    response = client.get("/core.current")
    assert response.json() == {
        "status": "ok",
        "data": {"username": "alice", "account": "Drive tier", "storage": 40 * MiB, "used": 1000},
    }


def test_logout_ends_the_session(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    assert client.post("/core.logout", content_type="application/json").json() == {"status": "ok", "data": {}}
    error(client.get("/core.current"), 401, "unauthorized")


def test_logout_without_a_session_still_answers_ok() -> None:
    answer = Client().post("/core.logout", content_type="application/json")
    assert answer.json() == {"status": "ok", "data": {}}


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/core.current"), ("get", "/files.list"), ("post", "/files.delete"), ("post", "/files.upload")],
)
def test_protected_endpoints_answer_401_without_a_session(method: str, path: str) -> None:
    body = error(getattr(Client(), method)(path), 401, "unauthorized")
    assert body["data"] == {}


def test_the_upload_center_token_is_not_a_drive_session(drive_user: Any) -> None:
    token = Client().post("/fm/login/", {"username": "alice", "password": "alice-secret-1"}).json()["token"]
    error(Client().get("/core.current", headers={"Authorization": f"Token {token}"}), 401, "unauthorized")


# --- files.list ---------------------------------------------------------------------


def test_list_is_empty_for_a_new_user(drive_user: Any, login: Callable[..., Client]) -> None:
    assert login(drive_user).get("/files.list").json() == {"status": "ok", "data": {"items": []}}


def test_list_shows_files_newest_first_with_size_and_iso_date(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)
    upload(client, "old.txt", b"old")
    upload(client, "new.txt", b"newer")
    items = client.get("/files.list").json()["data"]["items"]
    assert [(i["key"], i["size"]) for i in items] == [("new.txt", 5), ("old.txt", 3)]
    assert datetime.fromisoformat(items[0]["last_modified"]) >= datetime.fromisoformat(
        items[1]["last_modified"]
    )


def test_alice_never_sees_bobs_files(
    drive_user: Any, make_user: Callable[..., Any], drive_tier: Any, login: Callable[..., Client]
) -> None:
    bob = make_user("bob", "bob-secret-1", account=drive_tier)
    upload(login(bob, "bob-secret-1"), "bob.txt", b"bob's")
    assert login(drive_user).get("/files.list").json()["data"]["items"] == []


# --- files.delete -------------------------------------------------------------------


def test_delete_removes_the_file_and_frees_its_space(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    upload(client, "a.txt", b"abc")
    response = client.post("/files.delete", {"key": "a.txt"}, content_type="application/json")
    assert response.json() == {"status": "ok", "data": {}}
    assert client.get("/files.list").json()["data"]["items"] == []
    assert client.get("/core.current").json()["data"]["used"] == 0
    assert client.get("/fm/download/alice/a.txt").status_code == 404


def test_delete_of_a_missing_file_is_not_found(drive_user: Any, login: Callable[..., Client]) -> None:
    body = error(
        login(drive_user).post("/files.delete", {"key": "ghost.txt"}, content_type="application/json"),
        404,
        "not_found",
    )
    assert body["message"] == "ghost.txt hasn't existed!"


def test_delete_without_a_key_is_a_bad_request(drive_user: Any, login: Callable[..., Client]) -> None:
    error(login(drive_user).post("/files.delete", {}, content_type="application/json"), 400, "bad_request")


def test_delete_needs_a_json_body(drive_user: Any, login: Callable[..., Client]) -> None:
    # A plain form is what a page of another site could post without a preflight.
    response = login(drive_user).post("/files.delete", "key=a.txt", content_type="text/plain")
    error(response, 400, "bad_request")


def test_alice_cannot_delete_bobs_file(
    drive_user: Any, make_user: Callable[..., Any], drive_tier: Any, login: Callable[..., Client]
) -> None:
    bob = make_user("bob", "bob-secret-1", account=drive_tier)
    upload(login(bob, "bob-secret-1"), "bob.txt", b"bob's")
    error(
        login(drive_user).post("/files.delete", {"key": "bob.txt"}, content_type="application/json"),
        404,
        "not_found",
    )
    assert StoredFile.objects.stored().filter(owner=bob, name="bob.txt").exists()


# --- files.upload -------------------------------------------------------------------


def test_upload_stores_the_file_and_answers_its_name_size_and_date(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)
    response = upload(client, "report.pdf", b"%PDF-" + b"x" * 2000, upload_id=UPLOAD_ID)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["data"]["upload_id"] == UPLOAD_ID
    assert body["data"]["filename"] == "report.pdf"
    assert body["data"]["size"] == 2005
    datetime.fromisoformat(body["data"]["created"])
    assert b"".join(storage_read("alice/report.pdf")) == b"%PDF-" + b"x" * 2000


def test_a_drive_upload_is_in_the_upload_center_and_the_other_way_round(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)
    upload(client, "from-drive.txt", b"drive")
    token = Client().post("/fm/login/", {"username": "alice", "password": "alice-secret-1"}).json()["token"]
    fm = Client(headers={"Authorization": f"Token {token}"})
    body = encode_multipart(BOUNDARY, {"file_field": SimpleUploadedFile("from-fm.txt", b"fm!")})
    assert fm.put("/fm/upload/", body, content_type=MULTIPART_CONTENT).status_code == 200
    assert fm.get("/fm/manager/").json()["Files"] == ["from-drive.txt", "from-fm.txt"]
    assert {i["key"] for i in client.get("/files.list").json()["data"]["items"]} == {
        "from-drive.txt",
        "from-fm.txt",
    }


def test_a_taken_name_gets_a_suffix_like_in_the_upload_center(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)
    upload(client, "report.pdf", b"one")
    name = upload(client, "report.pdf", b"two").json()["data"]["filename"]
    assert name != "report.pdf" and name.startswith("report_") and name.endswith(".pdf")


def test_upload_over_the_tier_file_limit_is_too_large(drive_user: Any, login: Callable[..., Client]) -> None:
    body = error(upload(login(drive_user), "big.bin", b"x" * (20 * MiB + 1)), 413, "too_large")
    assert body["message"] == "You can't upload files more than 20.000 Megabytes!"
    assert not StoredFile.objects.exists()


def test_upload_over_the_space_left_is_too_large(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    assert upload(client, "a.bin", b"a" * (15 * MiB)).status_code == 200
    assert upload(client, "b.bin", b"b" * (15 * MiB)).status_code == 200
    body = error(upload(client, "c.bin", b"c" * (10 * MiB + 1)), 413, "too_large")
    assert body["message"] == "You don't have enough space to upload this file!"
    assert client.get("/core.current").json()["data"]["used"] == 30 * MiB
    assert upload(client, "d.bin", b"d" * (10 * MiB)).status_code == 200, "filling storage exactly is allowed"


def test_upload_refused_from_content_length_alone_stores_nothing(
    drive_user: Any, login: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    from upload_center import services

    def no_storing(**kwargs: Any) -> Any:
        raise AssertionError("a byte was going to be stored")

    monkeypatch.setattr(services, "file_begin", no_storing)
    monkeypatch.setattr(services, "files_settle", no_storing)
    body = error(upload(login(drive_user), "big.bin", b"x" * (21 * MiB)), 413, "too_large")
    assert body["message"] == "You can't upload files more than 20.000 Megabytes!"


def test_upload_without_an_upload_id_is_a_bad_request(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    error(client.post("/files.upload", {"file": SimpleUploadedFile("a.txt", b"a")}), 400, "bad_request")
    error(upload(client, "a.txt", b"a", upload_id="not-a-uuid"), 400, "bad_request")
    assert not StoredFile.objects.exists()


def test_upload_without_a_file_is_a_bad_request(drive_user: Any, login: Callable[..., Client]) -> None:
    response = login(drive_user).post("/files.upload", {"other": "x"}, headers={"X-Upload-Id": UPLOAD_ID})
    error(response, 400, "bad_request")


def test_an_empty_file_is_a_bad_request_and_leaves_nothing(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    error(upload(login(drive_user), "empty.txt", b""), 400, "bad_request")
    assert not StoredFile.objects.exists()


def test_two_files_in_one_request_are_refused_and_neither_is_kept(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    files = [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.txt", b"b")]
    response = login(drive_user).post("/files.upload", {"file": files}, headers={"X-Upload-Id": UPLOAD_ID})
    error(response, 400, "bad_request")
    assert not StoredFile.objects.exists()


def test_a_name_no_filesystem_takes_is_a_bad_request(drive_user: Any, login: Callable[..., Client]) -> None:
    body = error(upload(login(drive_user), "ж" * 200 + ".txt", b"x"), 400, "bad_request")
    assert body["message"] == "File name is longer than 255 bytes."
    assert not StoredFile.objects.exists()


def test_a_path_in_the_sent_name_is_neutralised(drive_user: Any, login: Callable[..., Client]) -> None:
    client = login(drive_user)
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("x.txt", b"x")}).replace(
        b'filename="x.txt"', b'filename="../../bob/x.txt"'
    )
    # Spelled unlike MULTIPART_CONTENT, so that the test client sends these bytes as they are.
    content_type = f"multipart/form-data;boundary={BOUNDARY}"
    response = client.post(
        "/files.upload", body, content_type=content_type, headers={"X-Upload-Id": UPLOAD_ID}
    )
    assert response.json()["data"]["filename"] == "x.txt"
    assert StoredFile.objects.get().storage_key == "alice/x.txt"


def test_a_json_body_is_not_an_upload(drive_user: Any, login: Callable[..., Client]) -> None:
    response = login(drive_user).post(
        "/files.upload", {"file": "x"}, content_type="application/json", headers={"X-Upload-Id": UPLOAD_ID}
    )
    error(response, 400, "bad_request")


# --- the page, the docs, the socket's HTTP side -----------------------------------------


def test_the_drive_page_is_served_at_the_root() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert b"drive.js" in response.content


def test_a_plain_get_of_the_websocket_path_asks_for_an_upgrade() -> None:
    error(Client().get("/core.ws_connect"), 400, "bad_request")


def test_a_storage_failure_is_a_500_envelope_that_says_nothing_was_stored(
    drive_user: Any, login: Callable[..., Client], settings: Any, upload_root: Any
) -> None:
    default = settings.STORAGES["default"]
    if settings.S3_BUCKET:
        options = unreachable_s3(default["OPTIONS"])
    else:
        (upload_root / "alice").write_bytes(b"a file where the user's folder should be")
        options = default["OPTIONS"]
    client = login(drive_user)
    # Only around the request: the fixtures' cleanup afterwards needs the working storage.
    with override_settings(STORAGES={**settings.STORAGES, "default": {**default, "OPTIONS": options}}):
        answer = upload(client, "notes.txt", b"notes")
    body = error(answer, 500, "internal_server_error")
    assert body["message"] == "Storage is unavailable, nothing was stored; please try again."
    assert not StoredFile.objects.exists()
