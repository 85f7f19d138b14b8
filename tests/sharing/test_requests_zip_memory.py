"""A request's ZIP streams as it is built: 1 GiB of submissions through the real server
with its memory flat, and the archive it sends opens with every file whole."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from django.utils import timezone

from tests.helpers import proc_kib
from tests.sharing.helpers import SERVER_ENV, token_of

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024
PART = 256 * MiB
UPLOADERS = ["Sara", "Omid", "Lena", "Arash"]  # 4 x 256 MiB: 1 GiB of submissions


@pytest.fixture
def big_request(make_user: Callable[..., Any], upload_root: Path) -> Any:
    """A request with four 256 MiB submissions, made as rows and sparse files on disk
    (cheap to create; an upload of 1 GiB would test the upload path, not the ZIP)."""
    from account.models import Account
    from sharing.models import FileRequest, Submission, SubmissionFile
    from sharing.requests_services import file_request_create
    from upload_center.models import StoredFile

    tier = Account.objects.create(title="Roomy", storage=8 * 1024 * MiB, max_file_transfer=1024 * MiB)
    owner = make_user("teacher", "teacher-secret-1", account=tier)
    made: FileRequest = file_request_create(
        owner=owner, title="Films", deadline=timezone.now() + timedelta(days=1)
    )
    for number, uploader in enumerate(UPLOADERS):
        name = f"Films - {uploader} - film.mp4"
        path = upload_root / "teacher" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            f.truncate(PART)
        row = StoredFile.objects.create(owner=owner, name=name, size=PART, sha256="0" * 64, state="stored")
        submission = Submission.objects.create(request=made, uploader=uploader, visit=f"{number:032x}")
        SubmissionFile.objects.create(submission=submission, file=row, original_name="film.mp4")
    return made


def zip_receive(response: requests.Response, into: Path) -> int:
    """Writes the body to ``into``, zero runs as holes (a sparse file): bytes received."""
    received = 0
    with into.open("wb") as out:
        for chunk in response.iter_content(MiB):
            received += len(chunk)
            if chunk.count(0) == len(chunk):
                out.seek(len(chunk), 1)
            else:
                out.write(chunk)
        out.truncate(received)
    return received


def test_a_1_gib_zip_streams_with_the_server_memory_flat(
    start_server: Callable[..., Any], big_request: Any, tmp_path: Path
) -> None:
    # Local disk under every pass: the files were made as sparse files, not S3 objects.
    server = start_server(**SERVER_ENV, S3_BUCKET="")
    headers = {"Authorization": f"Token {token_of(big_request.owner)}"}
    url = server.url + f"/fm/sharing/requests/{big_request.pk}/zip"
    # One call first, so the code and connections are loaded before the baseline.
    assert requests.get(url.removesuffix("/zip") + "/submissions", headers=headers, timeout=30).ok
    pid = server.process.pid
    baseline = proc_kib(pid, "VmRSS")
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM restarts from the current RSS

    with requests.get(url, headers=headers, stream=True, timeout=120) as response:
        assert response.status_code == 200
        length = int(response.headers["Content-Length"])
        received = zip_receive(response, tmp_path / "films.zip")
    growth_mib = (proc_kib(pid, "VmHWM") - baseline) / 1024
    assert received == length > 4 * PART
    print(f"1 GiB ZIP: {received} bytes, server VmHWM growth {growth_mib:.1f} MiB")
    assert growth_mib < 64, f"the serving process grew by {growth_mib:.1f} MiB"

    with zipfile.ZipFile(tmp_path / "films.zip") as archive:
        entries = {info.filename: info.file_size for info in archive.infolist()}
        assert entries == {f"{uploader}/film.mp4": PART for uploader in UPLOADERS}
        with archive.open("Arash/film.mp4") as last:
            last.seek(PART - 4)
            assert last.read() == b"\0" * 4
