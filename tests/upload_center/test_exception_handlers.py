"""Each API family answers the upload center's domain errors in one place, with one status each."""

from __future__ import annotations

import json

import pytest

from account.models import NOT_ENOUGH_SPACE, Account, Refusal
from drive import envelope
from upload_center import exception_handlers
from upload_center.errors import (
    FileHeld,
    FileNotFound,
    InvalidFileName,
    NotAReupload,
    NothingToStore,
    QuotaRefused,
    StorageUnavailable,
    UploadCutOff,
    UploadError,
)

TIER = Account(title="t", storage=10, max_file_transfer=1048576)
ERRORS: list[tuple[UploadError, int, str]] = [
    (QuotaRefused(Refusal.too_large(TIER)), 413, "You can't upload files more than 1.000 Megabytes!"),
    (QuotaRefused(Refusal.no_space()), 413, NOT_ENOUGH_SPACE),
    (FileNotFound.named("ghost.txt"), 404, "ghost.txt hasn't existed!"),
    (InvalidFileName("File name is longer than 255 bytes."), 400, "File name is longer than 255 bytes."),
    (NothingToStore.empty_files(["a", "b"]), 400, "Empty files can't be uploaded: a, b."),
    (UploadCutOff(), 400, "The upload took too long and was cancelled; please send it again."),
    (StorageUnavailable("Storage is unavailable."), 503, "Storage is unavailable."),
    (NotAReupload("notes.bin is not a re-upload of a.bin"), 400, "notes.bin is not a re-upload of a.bin"),
    (FileHeld("a.pdf was handed in"), 409, "a.pdf was handed in"),
]


@pytest.mark.parametrize(("error", "status", "text"), ERRORS)
def test_fm_answers_a_domain_error_as_detail_with_its_status(
    error: UploadError, status: int, text: str
) -> None:
    response = exception_handlers.exception_handler(error, {})
    assert response is not None
    assert (response.status_code, response.data) == (status, {"detail": text})


@pytest.mark.parametrize(("error", "status", "text"), ERRORS)
def test_the_drive_answers_the_same_errors_in_its_envelope(
    error: UploadError, status: int, text: str
) -> None:
    response = envelope.exception_handler(error, {})
    assert response is not None
    # The drive's contract has no 503: storage failures are its 500.
    expected = 500 if status == 503 else status
    assert response.status_code == expected
    # A missing file is named in the data, so the page says which one.
    data = {"key": "ghost.txt"} if isinstance(error, FileNotFound) else {}
    assert json.loads(json.dumps(response.data)) == {
        "status": envelope.CODES[expected],
        "message": text,
        "data": data,
    }
