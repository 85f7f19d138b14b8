"""Replace (issue 26): a re-upload stored beside a file of its name (``lecture_F9AHjPo.bin``)
takes that name, over the drive's API (/files.replace) and Django's test client. Pass 1 runs
it on SQLite and local disk, pass 2 on PostgreSQL and S3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError
from django.test import Client

from tests.drive.helpers import hand_ins, upload

pytestmark = pytest.mark.django_db

OLD, NEW = b"lecture, first take " * 300, b"lecture, take two"


def post(client: Client, path: str, data: dict[str, str]) -> Any:
    return client.post(path, data, content_type="application/json")


def replace(client: Client, key: str, replacement: str) -> Any:
    return post(client, "/files.replace", {"key": key, "replacement": replacement})


def stored_copy(client: Client, name: str, data: bytes) -> str:
    """Uploads ``data`` as ``name``, which is taken: the name the drive stored it under."""
    answer = upload(client, name, data)
    assert answer.status_code == 200, answer.content
    stored = answer.json()["data"]["filename"]
    assert stored != name
    return str(stored)


def body(answer: Any) -> bytes:
    assert answer.status_code == 200, answer.content
    return b"".join(answer.streaming_content)


def names(client: Client) -> list[str]:
    return sorted(item["key"] for item in client.get("/files.list").json()["data"]["items"])


def used(client: Client) -> int:
    return int(client.get("/core.current").json()["data"]["used"])


def storage_state() -> tuple[set[str], Any]:
    """The keys in storage and what reconcile_storage finds (orphans, missing, quota)."""
    from upload_center.maintenance import storage_reconcile
    from upload_center.storage import storage_backend

    return set(storage_backend().keys()), storage_reconcile()


@pytest.fixture
def alice(drive_user: Any, login: Callable[..., Client]) -> Client:
    client = login(drive_user)
    assert upload(client, "lecture.bin", OLD).status_code == 200
    return client


def test_a_re_upload_takes_the_name_and_the_old_content_goes(
    alice: Client, django_capture_on_commit_callbacks: Any
) -> None:
    copy = stored_copy(alice, "lecture.bin", NEW)
    assert names(alice) == sorted(["lecture.bin", copy]) and used(alice) == len(OLD) + len(NEW)

    with django_capture_on_commit_callbacks(execute=True):
        answer = replace(alice, "lecture.bin", copy)
    assert answer.status_code == 200, answer.content
    assert answer.json()["data"]["key"] == "lecture.bin" and answer.json()["data"]["size"] == len(NEW)

    assert names(alice) == ["lecture.bin"]
    assert used(alice) == len(NEW)  # the old size is freed
    anyone = Client()
    assert body(anyone.get("/fm/download/alice/lecture.bin")) == NEW  # the pasted link gives the new file
    gone = anyone.get(f"/fm/download/alice/{copy}")
    assert gone.status_code == 404 and gone.json() == {"detail": f"{copy} hasn't existed!"}
    assert alice.get("/fm/manager/").json()["Files"] == ["lecture.bin"]
    keys, report = storage_state()
    # The old bytes are gone; the file's bytes stay where the re-upload stored them.
    assert keys == {f"alice/{copy}"} and report.clean


def test_a_second_replace_removes_the_first_re_uploads_bytes(
    alice: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for take in (NEW, b"lecture, take three, longer " * 50):
        copy = stored_copy(alice, "lecture.bin", take)
        with django_capture_on_commit_callbacks(execute=True):
            assert replace(alice, "lecture.bin", copy).status_code == 200
        assert body(Client().get("/fm/download/alice/lecture.bin")) == take
        assert used(alice) == len(take)
        keys, report = storage_state()
        assert keys == {f"alice/{copy}"} and report.clean


def test_share_links_the_private_switch_and_counts_stay_with_the_name(
    drive_user: Any, alice: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from sharing.models import TIER_DEFAULT
    from sharing.services import file_private_set, share_link_create
    from upload_center.models import StoredFile

    lecture = StoredFile.objects.get(owner=drive_user, name="lecture.bin")
    class_link = share_link_create(owner=drive_user, file=lecture, expires_at=TIER_DEFAULT, download_limit=30)
    assert body(Client().get(f"/s/{class_link.token}?download=1")) == OLD
    copy = stored_copy(alice, "lecture.bin", NEW)
    assert body(Client().get(f"/fm/download/alice/{copy}")) == NEW
    # A link made of the copy before the Replace: it follows the content to the name.
    copy_link = share_link_create(
        owner=drive_user, file=StoredFile.objects.get(name=copy), expires_at=TIER_DEFAULT
    )
    file_private_set(file=lecture, private=True)
    placed = [placement(drive_user, row) for row in (lecture, StoredFile.objects.get(name=copy))]

    with django_capture_on_commit_callbacks(execute=True):
        assert replace(alice, "lecture.bin", copy).status_code == 200

    replaced = StoredFile.objects.get(owner=drive_user, name="lecture.bin")
    assert replaced.pk == lecture.pk and not StoredFile.objects.filter(name=copy).exists()
    assert replaced.download_count == 1 + 1  # its own downloads, and its copy's
    assert replaced.private  # still private: /fm/download/ does not serve it
    assert Client().get("/fm/download/alice/lecture.bin").status_code == 404
    for link in (class_link, copy_link):
        assert body(Client().get(f"/s/{link.token}?download=1")) == NEW
    class_link.refresh_from_db()
    assert (class_link.download_count, class_link.download_limit) == (2, 30)  # the class's count goes on
    # Placed in an LMS course, the old file or its copy: the course opens lecture.bin.
    for course in placed:
        course.refresh_from_db()
        assert course.file_id == lecture.pk


def placement(owner: Any, file: Any) -> Any:
    from lti_tool.models import LtiRegistration

    from lti.models import Placement

    registration, _ = LtiRegistration.objects.get_or_create(
        name="Moodle", issuer="https://moodle.school.test", client_id="upload-center"
    )
    return Placement.objects.create(registration=registration, owner=owner, file=file, title=file.name)


def test_a_new_upload_cannot_take_the_name_whose_bytes_a_replaced_file_holds(
    alice: Client, django_capture_on_commit_callbacks: Any
) -> None:
    copy = stored_copy(alice, "lecture.bin", NEW)
    with django_capture_on_commit_callbacks(execute=True):
        assert replace(alice, "lecture.bin", copy).status_code == 200
    # The copy's name is free, but its bytes are lecture.bin's: the upload is suffixed.
    again = stored_copy(alice, copy, b"something else")
    assert again != copy
    assert body(Client().get("/fm/download/alice/lecture.bin")) == NEW
    assert body(Client().get(f"/fm/download/alice/{again}")) == b"something else"
    assert storage_state()[1].clean


def test_replace_is_refused_for_names_that_are_no_re_upload(alice: Client) -> None:
    assert upload(alice, "notes.bin", b"notes").status_code == 200
    copy = stored_copy(alice, "lecture.bin", NEW)
    for key, replacement in [
        ("lecture.bin", "notes.bin"),
        ("lecture.bin", "lecture.bin"),
        ("lecture.bin", "lecture_abc.bin"),
        ("notes.bin", copy),
        (copy, "lecture.bin"),
    ]:
        answer = replace(alice, key, replacement)
        assert answer.status_code == 400, (key, replacement)
        assert answer.json() == {
            "status": "bad_request",
            "message": f"{replacement} is not a re-upload of {key}, so it can't replace it.",
            "data": {},
        }
    for missing in [{"key": "lecture.bin"}, {"replacement": copy}, {"key": "", "replacement": copy}]:
        answer = post(alice, "/files.replace", missing)
        assert answer.status_code == 400 and answer.json()["message"].endswith("is required.")
    assert names(alice) == sorted(["lecture.bin", "notes.bin", copy])
    assert used(alice) == len(OLD) + len(NEW) + len(b"notes")


def test_replace_of_a_file_that_is_gone_says_which_and_keeps_the_other(alice: Client) -> None:
    copy = stored_copy(alice, "lecture.bin", NEW)
    assert post(alice, "/files.delete", {"key": "lecture.bin"}).status_code == 200
    answer = replace(alice, "lecture.bin", copy)
    assert answer.status_code == 404
    assert answer.json()["data"] == {"key": "lecture.bin"} and answer.json()["status"] == "not_found"
    assert names(alice) == [copy] and used(alice) == len(NEW)

    assert upload(alice, "lecture.bin", OLD).status_code == 200
    assert post(alice, "/files.delete", {"key": copy}).status_code == 200
    answer = replace(alice, "lecture.bin", copy)
    assert answer.status_code == 404 and answer.json()["data"] == {"key": copy}
    assert body(Client().get("/fm/download/alice/lecture.bin")) == OLD


def test_alice_cannot_replace_with_or_over_bobs_files(
    alice: Client, make_user: Callable[..., Any], login: Callable[..., Client], drive_tier: Any
) -> None:
    bob = login(make_user("bob", "bob-secret-1", account=drive_tier), "bob-secret-1")
    assert upload(bob, "lecture.bin", b"bob's lecture").status_code == 200
    bobs_copy = stored_copy(bob, "lecture.bin", b"bob's take two")
    answer = replace(alice, "lecture.bin", bobs_copy)
    assert answer.status_code == 404 and answer.json()["data"] == {"key": bobs_copy}
    assert names(bob) == sorted(["lecture.bin", bobs_copy])
    assert body(Client().get("/fm/download/bob/lecture.bin")) == b"bob's lecture"
    assert body(Client().get("/fm/download/alice/lecture.bin")) == OLD
    assert post(Client(), "/files.replace", {}).status_code == 401


def test_a_hand_in_is_never_replaced_nor_replaces(drive_user: Any, alice: Client) -> None:
    from sharing.models import SubmissionFile
    from upload_center.models import StoredFile

    essay = hand_ins(drive_user, alice)
    handed_in = "Essay 7B - Anna König - essay-anna.pdf"
    copy = stored_copy(alice, handed_in, b"%PDF the teacher's own")
    # A hand-in stored beside the teacher's worksheet.pdf, under a suffixed name.
    handed_in_copy = stored_copy(alice, "worksheet.pdf", b"%PDF Anna's worksheet")
    SubmissionFile.objects.create(
        submission=essay.submissions.get(),
        file=StoredFile.objects.get(name=handed_in_copy),
        original_name="worksheet.pdf",
    )
    for key, replacement, held in [
        (handed_in, copy, handed_in),
        ("worksheet.pdf", handed_in_copy, handed_in_copy),
    ]:
        answer = replace(alice, key, replacement)
        assert answer.status_code == 409
        assert answer.json()["status"] == "conflict"
        assert (
            answer.json()["message"]
            == f"{held} was handed in to a file request: a hand-in can't be replaced."
        )
    assert body(alice.get(f"/fm/sharing/files/{handed_in}/download")) == b"%PDF essay-anna.pdf"
    assert body(Client().get("/fm/download/alice/worksheet.pdf")) == b"%PDF worksheet"
    assert SubmissionFile.objects.count() == 3


def test_a_failure_to_remove_the_old_bytes_loses_nothing(
    alice: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """The storage fails after the switch: the replace stands, the old bytes stay as an orphan
    that reconcile_storage reports and removes, never the file's own bytes."""
    from upload_center import services
    from upload_center.maintenance import storage_reconcile

    copy = stored_copy(alice, "lecture.bin", NEW)

    def storage_down(key: str) -> None:
        raise OSError(f"storage unreachable while removing {key}")

    monkeypatch.setattr(services, "storage_delete", storage_down)
    with django_capture_on_commit_callbacks(execute=True):
        answer = replace(alice, "lecture.bin", copy)
    assert answer.status_code == 200, answer.content
    assert body(Client().get("/fm/download/alice/lecture.bin")) == NEW
    assert names(alice) == ["lecture.bin"] and used(alice) == len(NEW)
    keys, report = storage_state()
    assert keys == {"alice/lecture.bin", f"alice/{copy}"}
    assert (report.orphans, report.missing, report.usage) == (["alice/lecture.bin"], [], [])

    monkeypatch.undo()
    storage_reconcile(fix=True)
    assert storage_state()[0] == {f"alice/{copy}"}
    assert body(Client().get("/fm/download/alice/lecture.bin")) == NEW


def test_a_failure_during_the_switch_leaves_both_files_as_they_were(
    alice: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """The database fails mid-switch (the copy's row already deleted): all of it rolls back."""
    from upload_center.models import StoredFile

    copy = stored_copy(alice, "lecture.bin", NEW)
    delete = StoredFile.delete

    def delete_then_fail(row: Any, *args: Any, **kwargs: Any) -> Any:
        delete(row, *args, **kwargs)
        raise DatabaseError("connection lost")

    monkeypatch.setattr(StoredFile, "delete", delete_then_fail)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = replace(alice, "lecture.bin", copy)
    assert answer.status_code == 500 and answer.json()["status"] == "internal_server_error"
    assert callbacks == []  # nothing is removed from storage
    assert names(alice) == sorted(["lecture.bin", copy])
    assert used(alice) == len(OLD) + len(NEW)
    assert body(Client().get("/fm/download/alice/lecture.bin")) == OLD
    assert body(Client().get(f"/fm/download/alice/{copy}")) == NEW
    assert storage_state()[1].clean
