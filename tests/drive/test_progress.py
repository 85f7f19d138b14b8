"""UPLOAD_PROGRESS over the real server's WebSocket: one event per stored part, the
last part included, the last event carrying the file's size (CONTRACT section 3).

On local disk in the embedded pass; on S3 (moto's server) in the services pass,
where a file under one part is a single PUT and a longer one a multipart upload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from tests.drive.clients import UploadStream, frames_until_finish, open_socket, session_cookie
from tests.drive.helpers import MiB

pytestmark = pytest.mark.django_db(transaction=True)

PART = 8 * MiB


@pytest.fixture
def drive_server(start_server: Callable[..., Any], drive_user: Any) -> tuple[str, str]:
    """A running server with 8 MiB parts and alice's session cookie on it."""
    server = start_server(UPLOAD_PART_SIZE=str(PART))
    return server.url, session_cookie(server.url, "alice", "alice-secret-1")


def upload(url: str, cookie: str, name: str, size: int) -> tuple[str, int, dict[str, Any]]:
    stream = UploadStream(url, cookie, name=name, size=size)
    stream.send(b"p" * size)
    status, body = stream.finish()
    return stream.upload_id, status, body


def upload_frames(url: str, cookie: str, ws: ClientConnection, size: int) -> list[dict[str, Any]]:
    """The frames that one stored upload of ``size`` bytes sends, ending with its UPLOAD_FINISH."""
    upload_id, status, body = upload(url, cookie, f"{size}.bin", size)
    assert status == 200, body
    frames = frames_until_finish(ws)
    assert all(f["upload_id"] == upload_id for f in frames)
    return frames


@pytest.mark.parametrize("size", [1, 6 * MiB, PART], ids=["one-byte", "under-a-part", "exactly-a-part"])
def test_a_file_of_one_part_gets_exactly_one_progress_event_with_its_size(
    drive_server: tuple[str, str], size: int
) -> None:
    url, cookie = drive_server
    with open_socket(url, cookie) as ws:
        frames = upload_frames(url, cookie, ws, size)
    assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_FINISH"]
    assert (frames[0]["uploaded_size"], frames[0]["total_size"]) == (size, size)


@pytest.mark.parametrize("size", [12 * MiB, 2 * PART], ids=["part-and-a-half", "exactly-two-parts"])
def test_a_file_of_two_parts_gets_two_progress_events_the_last_with_its_size(
    drive_server: tuple[str, str], size: int
) -> None:
    url, cookie = drive_server
    with open_socket(url, cookie) as ws:
        frames = upload_frames(url, cookie, ws, size)
    assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_PROGRESS", "UPLOAD_FINISH"]
    first, last = frames[0], frames[1]
    # On local disk the first part is reported at the write that crosses its end.
    assert PART <= first["uploaded_size"] < size
    assert last["uploaded_size"] == size
    assert first["total_size"] == last["total_size"] == size


def test_an_empty_file_sends_no_event(drive_server: tuple[str, str]) -> None:
    url, cookie = drive_server
    with open_socket(url, cookie) as ws:
        _, status, body = upload(url, cookie, "empty.bin", 0)
        assert status == 400, body
        # Events of one user reach the socket in the order they were sent: the
        # next upload's frames come first only if the empty one sent none.
        frames = upload_frames(url, cookie, ws, 1)
    assert [f["kind"] for f in frames] == ["UPLOAD_PROGRESS", "UPLOAD_FINISH"]
