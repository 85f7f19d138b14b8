"""File requests' rules on their own: names in the owner's space, kinds, states, deadlines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sharing.errors import ShareRefused
from sharing.models import FileRequest
from sharing.requests_services import extensions_normal, file_request_create, stored_name_for

pytestmark = pytest.mark.django_db

LATER = timedelta(days=2)


def test_extensions_are_kept_lower_case_without_dots_or_repeats() -> None:
    assert extensions_normal(".PDF, docx  pdf,.Png") == "pdf docx png"
    assert extensions_normal("") == ""


@pytest.mark.parametrize(
    ("name", "allowed"),
    [("essay.PDF", True), ("essay.pdf.exe", False), ("pdf", False), (".pdf", False), ("a.docx", True)],
)
def test_only_the_allowed_kinds_pass(alice: Any, name: str, allowed: bool) -> None:
    made = file_request_create(
        owner=alice, title="Essay", deadline=timezone.now() + LATER, extensions="pdf docx"
    )
    assert made.extension_allowed(name) is allowed


def test_a_request_without_kinds_takes_any_file(alice: Any) -> None:
    made = file_request_create(owner=alice, title="Essay", deadline=timezone.now() + LATER)
    assert made.extension_allowed("anything") and made.extension_allowed("a.exe")


def test_a_deadline_in_the_past_is_refused(alice: Any) -> None:
    with pytest.raises(ShareRefused, match="The deadline must be in the future."):
        file_request_create(owner=alice, title="Essay", deadline=timezone.now() - timedelta(seconds=1))


def test_stored_names_tell_whose_file_is_whose_and_fit_255_bytes(alice: Any) -> None:
    made = file_request_create(owner=alice, title="Lab 3/4", deadline=timezone.now() + LATER)
    assert (
        stored_name_for(file_request=made, uploader="Sara\\A", sent_name="r.pdf")
        == "Lab 3-4 - Sara-A - r.pdf"
    )
    long_name = "ж" * 120 + ".pdf"  # 244 bytes: the title goes first, then the person's name is cut
    shortened = stored_name_for(file_request=made, uploader="Sara Ahmadi", sent_name=long_name)
    assert shortened == "Sara - " + long_name
    assert stored_name_for(file_request=made, uploader="Sara", sent_name="ж" * 127 + ".p") == "ж" * 127 + ".p"


def test_states_follow_the_deadline_and_closing(alice: Any) -> None:
    made = file_request_create(owner=alice, title="Essay", deadline=timezone.now() + LATER)
    assert made.state() == FileRequest.State.OPEN
    assert made.state(now=made.deadline) == FileRequest.State.PAST_DEADLINE
    made.closed_at = timezone.now()
    assert made.state() == FileRequest.State.CLOSED


def test_a_hand_in_from_plain_values_is_stored_private_linked_and_charged(alice: Any) -> None:
    from sharing.models import REQUEST_FULL
    from sharing.requests_services import hand_in_store
    from upload_center.errors import UploadError

    made = file_request_create(
        owner=alice, title="Quiz", deadline=timezone.now() + timedelta(days=1), total_files_limit=1
    )
    row = hand_in_store(
        file_request=made, uploader="Sara", visit="lti-sub-1", name="quiz.pdf", chunks=[b"ab", b"c"]
    )
    assert (row.original_name, row.file.name, row.file.size, row.file.private) == (
        "quiz.pdf",
        "Quiz - Sara - quiz.pdf",
        3,
        True,
    )
    alice.refresh_from_db()
    assert alice.used_storage == 3
    with pytest.raises(UploadError, match=REQUEST_FULL):
        hand_in_store(file_request=made, uploader="Omid", visit="lti-sub-2", name="quiz.pdf", chunks=[b"x"])
    alice.refresh_from_db()
    assert alice.used_storage == 3
