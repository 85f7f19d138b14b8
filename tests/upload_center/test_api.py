"""Every rule of CONTRACT section 2, through the /fm/ API."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Sum
from django.test import override_settings
from django.utils.http import http_date
from rest_framework.test import APIClient

from account.models import Account, User
from tests.upload_center.helpers import CONTENT_TYPE, multipart, unreachable_s3
from upload_center.models import StoredFile
from upload_center.storage import storage_delete, storage_exists, storage_read

MB = 1048576
pytestmark = pytest.mark.django_db


def stored_bytes(username: str, name: str) -> bytes:
    return b"".join(storage_read(f"{username}/{name}"))


def assert_not_found(response: Any, name: str) -> None:
    """The contract's 404: exactly this JSON object, nothing more."""
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"{name} hasn't existed!"}


def assert_quota_matches_files(user: User) -> None:
    user.refresh_from_db()
    total = StoredFile.objects.stored().filter(owner=user).aggregate(total=Sum("size"))["total"] or 0
    assert user.used_storage == total
    assert user.used_storage <= user.account.storage


@pytest.fixture
def kian(make_user: Callable[..., User]) -> User:
    return make_user(username="kian", password="ak18-secret")


@pytest.fixture
def api(kian: User) -> APIClient:
    client = APIClient()
    token = client.post("/fm/login/", {"username": "kian", "password": "ak18-secret"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def put(api: APIClient, files: list[tuple[str, bytes]]) -> Any:
    return api.generic("PUT", "/fm/upload/", multipart(files), content_type=CONTENT_TYPE)


# --- login and auth -------------------------------------------------------------


def test_login_gives_a_token_for_form_and_json(kian: User) -> None:
    client = APIClient()
    form = client.post("/fm/login/", {"username": "kian", "password": "ak18-secret"})
    as_json = client.post("/fm/login/", {"username": "kian", "password": "ak18-secret"}, format="json")
    assert form.status_code == 200
    assert set(form.json()) == {"token"}
    assert as_json.json() == form.json()


def test_login_with_bad_credentials_is_400(kian: User) -> None:
    assert APIClient().post("/fm/login/", {"username": "kian", "password": "wrong"}).status_code == 400
    assert APIClient().post("/fm/login/", {"username": "kian"}).status_code == 400


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/fm/upload/"), ("GET", "/fm/manager/"), ("DELETE", "/fm/manager/")]
)
def test_protected_endpoints_are_401_without_credentials(kian: User, method: str, path: str) -> None:
    assert APIClient().generic(method, path).status_code == 401


def test_session_login_works_for_the_browsable_api(kian: User) -> None:
    client = APIClient()
    client.login(username="kian", password="ak18-secret")
    page = client.get("/fm/manager/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"Django REST framework" in page.content


# --- upload ---------------------------------------------------------------------


def test_it_stores_files_and_answers_their_download_paths(api: APIClient, kian: User) -> None:
    response = put(api, [("city.jpg", b"\xff\xd8city" * 1000), ("a-month.jpg", b"month")])
    assert response.status_code == 200
    assert response.json() == {
        "city.jpg": "/fm/download/kian/city.jpg",
        "a-month.jpg": "/fm/download/kian/a-month.jpg",
    }
    assert stored_bytes("kian", "city.jpg") == b"\xff\xd8city" * 1000
    row = StoredFile.objects.get(owner=kian, name="city.jpg")
    assert row.size == 6000
    assert row.sha256 == hashlib.sha256(b"\xff\xd8city" * 1000).hexdigest()
    assert_quota_matches_files(kian)


def test_it_rejects_a_file_over_the_tier_limit(api: APIClient, kian: User) -> None:
    # The test tier allows 4 MiB per file.
    response = put(api, [("Tedx_Intro.pdf", b"x" * (4 * MB + 1)), ("ok.txt", b"fine")])
    assert response.json() == {
        "Tedx_Intro.pdf": "You can't upload files more than 4.000 Megabytes!",
        "ok.txt": "/fm/download/kian/ok.txt",
    }
    assert not StoredFile.objects.filter(name="Tedx_Intro.pdf").exists()
    assert not storage_exists("kian/Tedx_Intro.pdf")
    assert_quota_matches_files(kian)


def test_the_limit_message_has_three_decimals(make_user: Callable[..., User]) -> None:
    tier = Account.objects.create(title="Odd", storage=100 * MB, max_file_transfer=1_500_000)
    make_user(username="odd", password="odd-secret-1", account=tier)
    client = APIClient()
    client.force_authenticate(User.objects.get(username="odd"))
    response = put(client, [("big.bin", b"x" * 1_500_001)])
    assert response.json() == {"big.bin": "You can't upload files more than 1.431 Megabytes!"}


def test_a_file_of_exactly_the_limit_is_stored(api: APIClient) -> None:
    assert put(api, [("edge.bin", b"x" * 4 * MB)]).json() == {"edge.bin": "/fm/download/kian/edge.bin"}


def test_it_stores_the_most_files_that_fit_smallest_first(api: APIClient, kian: User) -> None:
    # 10 MiB storage: of 3.5 + 3 + 3 + 2 MiB, the three smallest fit (8 MiB), 3.5 MiB does not.
    files = [
        ("d.bin", b"d" * (7 * MB // 2)),
        ("c.bin", b"c" * 3 * MB),
        ("b.bin", b"b" * 3 * MB),
        ("a.bin", b"a" * 2 * MB),
    ]
    answers = put(api, files).json()
    assert answers["d.bin"] == "You don't have enough space to upload this file!"
    assert {answers[n] for n in ("a.bin", "b.bin", "c.bin")} == {
        f"/fm/download/kian/{n}" for n in ("a.bin", "b.bin", "c.bin")
    }
    kian.refresh_from_db()
    assert kian.used_storage == 8 * MB
    assert not storage_exists("kian/d.bin")
    assert_quota_matches_files(kian)


def test_filling_the_storage_exactly_is_allowed(api: APIClient, kian: User) -> None:
    for i in range(2):
        assert put(api, [(f"part{i}.bin", b"p" * 4 * MB)]).json() == {
            f"part{i}.bin": f"/fm/download/kian/part{i}.bin"
        }
    answers = put(api, [("last.bin", b"l" * 2 * MB), ("one-more.bin", b"!")]).json()
    assert answers == {
        "last.bin": "/fm/download/kian/last.bin",
        "one-more.bin": "/fm/download/kian/one-more.bin",
    } or (
        answers["one-more.bin"] == "/fm/download/kian/one-more.bin"
        and answers["last.bin"] == "You don't have enough space to upload this file!"
    )
    kian.refresh_from_db()
    assert kian.used_storage <= 10 * MB
    assert_quota_matches_files(kian)
    exact = put(api, [("fill.bin", b"f" * (10 * MB - kian.used_storage))]).json()
    assert exact == {"fill.bin": "/fm/download/kian/fill.bin"}
    kian.refresh_from_db()
    assert kian.used_storage == 10 * MB
    assert put(api, [("byte.bin", b"1")]).json() == {
        "byte.bin": "You don't have enough space to upload this file!"
    }


def test_an_empty_file_makes_the_request_400_and_stores_nothing(api: APIClient, kian: User) -> None:
    response = put(api, [("full.txt", b"content"), ("empty.txt", b"")])
    assert response.status_code == 400
    assert "empty.txt" in response.json()["detail"]
    assert not StoredFile.objects.exists()
    assert not storage_exists("kian/full.txt")
    assert_quota_matches_files(kian)


def test_no_file_at_all_is_400(api: APIClient, kian: User, upload_root: Any) -> None:
    assert put(api, []).status_code == 400
    wrong_field = api.generic(
        "PUT", "/fm/upload/", multipart([("x.txt", b"x")], field="other"), content_type=CONTENT_TYPE
    )
    assert wrong_field.status_code == 400
    # Nothing stored: no row (pending or stored), no bytes, no quota.
    assert not StoredFile.objects.exists()
    assert not storage_exists("kian/x.txt")
    assert not [p for p in upload_root.rglob("*") if p.is_file()]
    assert_quota_matches_files(kian)
    assert put(api, [("x.txt", b"other field")]).status_code == 200  # sanity: the same call with a file works


def test_a_name_the_user_already_has_gets_a_suffix(api: APIClient, kian: User) -> None:
    assert put(api, [("report.pdf", b"first")]).json() == {"report.pdf": "/fm/download/kian/report.pdf"}
    answers = put(api, [("report.pdf", b"second")]).json()
    (stored_name,) = answers
    assert re.fullmatch(r"report_[A-Za-z0-9]{7}\.pdf", stored_name)
    assert answers[stored_name] == f"/fm/download/kian/{stored_name}"
    assert stored_bytes("kian", "report.pdf") == b"first"
    assert stored_bytes("kian", stored_name) == b"second"


def test_a_name_repeated_within_one_request_gets_a_suffix(api: APIClient) -> None:
    answers = put(api, [("notes.txt", b"one"), ("notes.txt", b"two")]).json()
    assert len(answers) == 2
    assert "notes.txt" in answers
    (other,) = set(answers) - {"notes.txt"}
    assert re.fullmatch(r"notes_[A-Za-z0-9]{7}\.txt", other)


@pytest.mark.parametrize("name", ["گزارش جلسه ۳.pdf", "Лекция №1.pptx", "🎓📚 reading list.txt"])
def test_unicode_names_are_kept_as_sent(api: APIClient, name: str) -> None:
    assert put(api, [(name, b"data")]).json() == {name: f"/fm/download/kian/{name}"}
    assert stored_bytes("kian", name) == b"data"
    assert api.get("/fm/manager/").json()["Files"] == [name]


def test_names_with_paths_are_neutralised_and_never_leave_the_user_folder(
    api: APIClient, upload_root: Any
) -> None:
    answers = put(api, [("../../escape.txt", b"a"), ("..\\..\\win.txt", b"b"), ("/etc/abs.txt", b"c")]).json()
    # Only the last path component of a sent file name is kept (names.name_from_client).
    assert answers == {
        "escape.txt": "/fm/download/kian/escape.txt",
        "win.txt": "/fm/download/kian/win.txt",
        "abs.txt": "/fm/download/kian/abs.txt",
    }
    assert {p.name for p in upload_root.rglob("*") if p.is_file()} <= {"escape.txt", "win.txt", "abs.txt"}


def test_dot_names_are_refused_in_the_answer_and_control_characters_dropped(
    api: APIClient, upload_root: Any
) -> None:
    # The multipart parser strips control characters; name_check
    # (tests/upload_center/test_names.py) refuses dot-only names with a text.
    answers = put(api, [("..", b"dots"), ("tab\there.txt", b"tab"), ("good.txt", b"good")]).json()
    assert answers == {
        "..": ".. is not a valid file name.",
        "tabhere.txt": "/fm/download/kian/tabhere.txt",
        "good.txt": "/fm/download/kian/good.txt",
    }
    assert StoredFile.objects.count() == 2


def test_a_name_over_255_bytes_is_refused(api: APIClient) -> None:
    name = "ж" * 130 + ".txt"
    assert put(api, [(name, b"x")]).json() == {name: "File name is longer than 255 bytes."}


# --- manager --------------------------------------------------------------------


def test_manager_lists_tier_sizes_in_megabytes_with_three_decimals_and_sorted_files(api: APIClient) -> None:
    put(api, [("b.txt", b"b" * 600_000), ("a.txt", b"a" * 360_000)])
    response = api.get("/fm/manager/")
    assert response.status_code == 200
    assert response.content.decode() == (
        '{"Account": "Test tier", "Storage": 10.000, "Used": 0.916, "Files": ["a.txt", "b.txt"]}'
    )


def test_manager_says_when_the_user_has_no_files(api: APIClient) -> None:
    assert api.get("/fm/manager/").json() == {
        "Account": "Test tier",
        "Storage": 10.0,
        "Used": 0.0,
        "Files": "kian doesn't have any files!",
    }


@pytest.mark.parametrize("how", ["form", "multipart", "json", "query"])
def test_delete_removes_the_file_and_frees_its_space(
    api: APIClient, kian: User, how: str, django_capture_on_commit_callbacks: Any
) -> None:
    put(api, [("old.txt", b"o" * 1000)])
    with django_capture_on_commit_callbacks(execute=True):
        if how == "query":
            response = api.delete("/fm/manager/?file_name=old.txt")
        elif how == "form":
            response = api.generic(
                "DELETE",
                "/fm/manager/",
                "file_name=old.txt",
                content_type="application/x-www-form-urlencoded",
            )
        else:
            response = api.delete("/fm/manager/", {"file_name": "old.txt"}, format=how)
    assert response.status_code == 200
    assert response.json() == {"detail": "old.txt Deleted Successfully."}
    assert not storage_exists("kian/old.txt")
    kian.refresh_from_db()
    assert kian.used_storage == 0


def test_delete_of_a_missing_file_is_404_with_the_contract_text(api: APIClient) -> None:
    response = api.delete("/fm/manager/", {"file_name": "ghost.txt"})
    assert response.status_code == 404
    assert response.json() == {"detail": "ghost.txt hasn't existed!"}


def test_delete_without_file_name_is_400(api: APIClient) -> None:
    assert api.delete("/fm/manager/").status_code == 400


def test_alice_cannot_delete_bobs_file(make_user: Callable[..., User]) -> None:
    alice, bob = (
        make_user(username="alice", password="alice-pw-1"),
        make_user(username="bob", password="bob-pw-12"),
    )
    bob_client, alice_client = APIClient(), APIClient()
    bob_client.force_authenticate(bob)
    alice_client.force_authenticate(alice)
    put(bob_client, [("secret.txt", b"bob's")])
    response = alice_client.delete("/fm/manager/", {"file_name": "secret.txt"})
    assert_not_found(response, "secret.txt")
    assert stored_bytes("bob", "secret.txt") == b"bob's"
    assert alice_client.get("/fm/manager/").json()["Files"] == "alice doesn't have any files!"


# --- download -------------------------------------------------------------------


@pytest.fixture
def stored(api: APIClient) -> bytes:
    content = bytes(range(256)) * 400
    put(api, [("lesson.pdf", content), ("گزارش.txt", b"persian")])
    return content


def test_download_is_public_and_has_the_contract_headers(stored: bytes) -> None:
    response = APIClient().get("/fm/download/kian/lesson.pdf")
    assert response.status_code == 200
    assert b"".join(response) == stored
    assert response["Content-Length"] == str(len(stored))
    assert response["Content-Disposition"] == 'attachment; filename="lesson.pdf"'
    assert response["ETag"] == f'"{hashlib.sha256(stored).hexdigest()}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Last-Modified"]


def test_a_non_ascii_name_uses_rfc_6266_filename_star(stored: bytes) -> None:
    response = APIClient().get("/fm/download/kian/گزارش.txt")
    assert (
        response["Content-Disposition"] == "attachment; filename*=utf-8''%DA%AF%D8%B2%D8%A7%D8%B1%D8%B4.txt"
    )
    assert b"".join(response) == b"persian"


def test_an_html_upload_is_served_as_a_sandboxed_attachment(api: APIClient) -> None:
    put(api, [("evil.html", b"<script>alert(document.cookie)</script>")])
    response = APIClient().get("/fm/download/kian/evil.html")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Disposition"].startswith("attachment")


def test_a_missing_file_is_404_with_exactly_the_contract_json(stored: bytes) -> None:
    response = APIClient().get("/fm/download/kian/nothing.pdf")
    assert response.status_code == 404
    assert response.content == json.dumps({"detail": "nothing.pdf hasn't existed!"}).encode()


def test_downloading_bobs_file_needs_bobs_name_in_the_path(
    stored: bytes, make_user: Callable[..., User]
) -> None:
    make_user(username="alice", password="alice-pw-1")
    assert_not_found(APIClient().get("/fm/download/alice/lesson.pdf"), "lesson.pdf")
    assert APIClient().get("/fm/download/kian/lesson.pdf").status_code == 200


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, 102399), ("bytes=-10", 102390, 102399)],
)
def test_a_single_range_gets_206(stored: bytes, header: str, start: int, end: int) -> None:
    response = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(stored)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert b"".join(response) == stored[start : end + 1]


def test_an_unsatisfiable_range_gets_416(stored: bytes) -> None:
    response = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_RANGE=f"bytes={len(stored)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(stored)}"


def test_if_range_with_a_stale_etag_gets_the_whole_file(stored: bytes) -> None:
    response = APIClient().get(
        "/fm/download/kian/lesson.pdf", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"stale"'
    )
    assert response.status_code == 200
    assert b"".join(response) == stored


def test_conditional_get_is_304(stored: bytes) -> None:
    first = APIClient().get("/fm/download/kian/lesson.pdf")
    by_etag = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    changed = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_IF_NONE_MATCH='"other"')
    old_date = APIClient().get("/fm/download/kian/lesson.pdf", HTTP_IF_MODIFIED_SINCE=http_date(0))
    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag["ETag"] == first["ETag"]
    assert (changed.status_code, old_date.status_code) == (200, 200)


def test_a_file_whose_bytes_are_gone_is_404_not_a_broken_response(stored: bytes) -> None:
    storage_delete("kian/lesson.pdf")
    response = APIClient().get("/fm/download/kian/lesson.pdf")
    assert_not_found(response, "lesson.pdf")


def test_a_file_still_uploading_is_not_downloadable_even_with_its_bytes_in_place(kian: User) -> None:
    # Bytes at the pending row's key, so that only the row's state can make the answer a 404
    # (a row without bytes would be refused for the missing bytes instead).
    row = StoredFile.objects.create(owner=kian, name="half.bin", size=10)
    default_storage.save(row.storage_key, ContentFile(b"0123456789"))
    assert stored_bytes("kian", "half.bin") == b"0123456789"
    assert_not_found(APIClient().get("/fm/download/kian/half.bin"), "half.bin")


def test_a_storage_failure_is_503_with_nothing_stored_or_charged(
    api: APIClient, kian: User, settings: Any, upload_root: Any
) -> None:
    default = settings.STORAGES["default"]
    if settings.S3_BUCKET:
        options = unreachable_s3(default["OPTIONS"])
        big = b"b" * (settings.UPLOAD_PART_SIZE + 1)  # a multipart upload, not a single PUT
    else:
        # The user's folder cannot be made: a file stands where it should be.
        (upload_root / "kian").write_bytes(b"not a folder")
        options = default["OPTIONS"]
        big = b"b" * 1000
    # Only around the request: the fixtures' cleanup afterwards needs the working storage.
    with override_settings(STORAGES={**settings.STORAGES, "default": {**default, "OPTIONS": options}}):
        response = put(api, [("big.bin", big), ("small.txt", b"s")])
    assert response.status_code == 503
    assert response.json() == {"detail": "Storage is unavailable, nothing was stored; please try again."}
    assert not StoredFile.objects.exists()
    assert_quota_matches_files(kian)
