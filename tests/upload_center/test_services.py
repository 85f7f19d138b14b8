"""The upload services without HTTP: settling, refusing, deleting, and an upload's states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from account.models import NOT_ENOUGH_SPACE, Refusal, User
from account.services import space_release, space_reserve
from upload_center import services
from upload_center.errors import FileNotFound, InvalidFileName, QuotaRefused, UploadCutOff
from upload_center.handlers import MULTIPART_FRAMING_MAX, StoringUploadHandler, upload_precheck
from upload_center.models import StoredFile
from upload_center.storage import storage_exists, storage_read
from upload_center.uploads import IllegalTransition, Upload, UploadState

pytestmark = pytest.mark.django_db
MB = 1048576  # the test tier: 10 MB of storage, 4 MB per file


@pytest.fixture
def kian(make_user: Callable[..., User]) -> User:
    return make_user(username="kian")


def fresh(user: User) -> User:
    return User.objects.select_related("account").get(pk=user.pk)


def received(owner: User, name: str, data: bytes) -> Upload:
    upload = services.file_begin(owner=owner, name=name)
    upload.write(data)
    upload.finish()
    return upload


def leave_free(user: User, size: int) -> None:
    User.objects.filter(pk=user.pk).update(used_storage=user.account.storage - size)


def test_settling_stores_a_file_that_fits_and_charges_its_size(kian: User) -> None:
    upload = received(kian, "notes.txt", b"abc")

    assert services.files_settle(owner_id=kian.pk, uploads=[upload]) == {
        "notes.txt": "/fm/download/kian/notes.txt"
    }
    assert upload.state is UploadState.STORED
    assert StoredFile.objects.stored().get().size == 3
    assert b"".join(storage_read("kian/notes.txt")) == b"abc"
    assert fresh(kian).used_storage == 3


def test_settling_refuses_a_file_over_the_space_left_and_keeps_nothing_of_it(kian: User) -> None:
    leave_free(kian, 2)
    upload = received(kian, "big.txt", b"abc")
    assert upload.row is not None
    partial_key = upload.row.partial_key

    assert services.files_settle(owner_id=kian.pk, uploads=[upload]) == {"big.txt": NOT_ENOUGH_SPACE}
    assert upload.state is UploadState.REFUSED
    assert isinstance(upload.error, QuotaRefused) and upload.error.refusal.kind == "no_space"
    assert not StoredFile.objects.exists()
    assert not storage_exists(partial_key) and not storage_exists("kian/big.txt")
    assert fresh(kian).used_storage == kian.account.storage - 2


def test_space_reserved_by_unfinished_uploads_counts_when_settling(kian: User) -> None:
    for size in (4 * MB, 4 * MB, 2 * MB - 2):
        assert space_reserve(owner_id=kian.pk, size=size) is None
    refused = received(kian, "late.txt", b"abc")
    assert services.files_settle(owner_id=kian.pk, uploads=[refused]) == {"late.txt": NOT_ENOUGH_SPACE}

    space_release(owner_id=kian.pk, size=4 * MB)
    stored = received(kian, "later.txt", b"abc")
    assert services.files_settle(owner_id=kian.pk, uploads=[stored]) == {
        "later.txt": "/fm/download/kian/later.txt"
    }


def test_settling_takes_the_smallest_files_first(kian: User) -> None:
    # Taken in the order sent, 4 would fit and leave no room for 3 or 2: only the
    # smallest-first order stores two files here.
    leave_free(kian, 5)
    uploads = [received(kian, name, b"x" * size) for name, size in (("c", 4), ("d", 3), ("b", 2))]

    answers = services.files_settle(owner_id=kian.pk, uploads=uploads)

    assert answers == {"c": NOT_ENOUGH_SPACE, "d": "/fm/download/kian/d", "b": "/fm/download/kian/b"}
    assert [u.state for u in uploads] == [UploadState.REFUSED, UploadState.STORED, UploadState.STORED]
    assert fresh(kian).used_storage == kian.account.storage


def test_a_row_that_cleanup_removed_is_answered_as_cut_off_and_not_charged(kian: User) -> None:
    upload = received(kian, "slow.bin", b"abc")
    StoredFile.objects.pending().delete()  # what cleanup_uploads does to a stalled upload

    answers = services.files_settle(owner_id=kian.pk, uploads=[upload])

    assert answers == {"slow.bin": "The upload took too long and was cancelled; please send it again."}
    assert isinstance(upload.error, UploadCutOff)
    assert fresh(kian).used_storage == 0
    assert not storage_exists("kian/slow.bin")


def test_a_refused_upload_loses_its_row_and_bytes_and_answers_with_the_refusal(kian: User) -> None:
    upload = services.file_begin(owner=kian, name="huge.bin")
    upload.write(b"x" * 1000)
    assert upload.row is not None
    partial_key = upload.row.partial_key

    upload.refuse(Refusal.too_large(kian.account))

    assert upload.state is UploadState.REFUSED
    assert isinstance(upload.error, QuotaRefused) and upload.error.refusal.kind == "too_large"
    assert str(upload.error) == "You can't upload files more than 4.000 Megabytes!"
    assert not StoredFile.objects.exists()
    assert not storage_exists(partial_key)


def test_the_precheck_answers_a_typed_refusal(kian: User) -> None:
    too_large = upload_precheck(owner=kian, content_length=4 * MB + MULTIPART_FRAMING_MAX + 1)
    assert too_large is not None and (too_large.kind, too_large.status) == ("too_large", 413)
    assert upload_precheck(owner=kian, content_length=4 * MB + MULTIPART_FRAMING_MAX) is None
    leave_free(kian, MB)
    no_space = upload_precheck(owner=fresh(kian), content_length=MB + MULTIPART_FRAMING_MAX + 1)
    assert no_space is not None and no_space.kind == "no_space"


def streaming_handler(owner: User) -> StoringUploadHandler:
    handler = StoringUploadHandler(owner=owner, field_name="file_field")
    handler.new_file("file_field", "stream.bin")
    return handler


@pytest.mark.parametrize("name", ["..", ".", "a/b"])
def test_the_handler_refuses_an_impossible_name_before_reserving_anything(kian: User, name: str) -> None:
    handler = StoringUploadHandler(owner=kian, field_name="file_field")
    handler.new_file("file_field", name)
    handler.receive_data_chunk(b"dots", 0)
    handler.file_complete(4)

    (upload,) = handler.uploads
    assert upload.state is UploadState.REFUSED
    assert isinstance(upload.error, InvalidFileName)
    assert str(upload.error).startswith(f"{name} is not a valid file name")
    assert upload.row is None and not StoredFile.objects.exists()


def test_the_handler_refuses_a_file_once_its_bytes_pass_the_tier_limit(kian: User) -> None:
    handler = streaming_handler(fresh(kian))
    handler.receive_data_chunk(b"x" * (4 * MB), 0)
    handler.receive_data_chunk(b"x", 4 * MB)
    handler.file_complete(4 * MB + 1)

    (upload,) = handler.uploads
    assert upload.state is UploadState.REFUSED
    assert isinstance(upload.error, QuotaRefused) and upload.error.refusal.kind == "too_large"


def test_the_handler_sees_space_a_reservation_gave_back_while_streaming(kian: User) -> None:
    for size in (4 * MB, 4 * MB, 2 * MB):
        space_reserve(owner_id=kian.pk, size=size)
    handler = streaming_handler(fresh(kian))
    space_release(owner_id=kian.pk, size=4 * MB)  # another upload ended meanwhile

    handler.receive_data_chunk(b"x" * MB, 0)

    assert handler.uploads[0].state is UploadState.STREAMING
    services.uploads_discard(handler.uploads)


def test_deleting_a_file_frees_its_size_and_its_bytes(
    kian: User, django_capture_on_commit_callbacks: Any
) -> None:
    services.files_settle(owner_id=kian.pk, uploads=[received(kian, "old.txt", b"abcd")])

    with django_capture_on_commit_callbacks(execute=True):
        services.file_delete(owner=kian, name="old.txt")

    assert not StoredFile.objects.exists()
    assert not storage_exists("kian/old.txt")
    assert fresh(kian).used_storage == 0


def test_deleting_a_name_without_a_file_raises_the_contract_text(kian: User) -> None:
    received(kian, "pending.txt", b"abc")  # an upload in progress is not a file yet
    with pytest.raises(FileNotFound, match="^pending.txt hasn't existed!$"):
        services.file_delete(owner=kian, name="pending.txt")


def test_pending_rows_are_the_uploads_in_progress(kian: User) -> None:
    stored = received(kian, "done.txt", b"abc")
    services.files_settle(owner_id=kian.pk, uploads=[stored])
    received(kian, "busy.txt", b"abc")

    assert list(StoredFile.objects.pending().values_list("name", flat=True)) == ["busy.txt"]


def test_an_upload_cannot_be_written_after_it_finished(kian: User) -> None:
    upload = received(kian, "a.txt", b"abc")
    with pytest.raises(IllegalTransition):
        upload.write(b"more")
    with pytest.raises(IllegalTransition):
        upload.finish()
    upload.discard()


def test_only_a_complete_upload_can_be_stored(kian: User) -> None:
    upload = services.file_begin(owner=kian, name="a.txt")
    upload.write(b"abc")
    with pytest.raises(IllegalTransition):
        upload.store()
    upload.discard()
    assert not StoredFile.objects.exists()


def test_a_stored_upload_is_neither_refused_nor_discarded(kian: User) -> None:
    upload = received(kian, "a.txt", b"abc")
    services.files_settle(owner_id=kian.pk, uploads=[upload])
    with pytest.raises(IllegalTransition):
        upload.refuse(Refusal.no_space())
    with pytest.raises(IllegalTransition):
        upload.discard()
    assert StoredFile.objects.stored().count() == 1


def test_discarding_a_refused_upload_keeps_its_answer(kian: User) -> None:
    upload = received(kian, "a.txt", b"abc")
    upload.refuse(Refusal.no_space())
    upload.discard()
    assert (upload.state, str(upload.error)) == (UploadState.REFUSED, NOT_ENOUGH_SPACE)
    with pytest.raises(IllegalTransition):
        upload.refuse(Refusal.no_space())


def test_a_free_name_is_reserved_by_its_insert_alone_and_a_taken_one_gets_a_suffix(kian: User) -> None:
    """No query asks first whether the name is free: the unique constraint tells."""
    with CaptureQueriesContext(connection) as queries:
        first = services.file_row_reserve(owner=kian, name="notes.txt")
    assert first.name == "notes.txt"
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    second = services.file_row_reserve(owner=kian, name="notes.txt")
    assert second.name != "notes.txt" and second.name.startswith("notes_") and second.name.endswith(".txt")
    assert StoredFile.objects.filter(owner=kian).count() == 2
