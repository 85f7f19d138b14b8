"""A multipart upload whose connection closes before its Content-Length is reached stores
nothing, under uvicorn and gunicorn alike: no file, no pending row, no space charged or
reserved, and no answer. The client closes its socket (a FIN, not a reset): gunicorn's
reader then just ends, and the body must still count as cut. The server logs no error for it."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from account.models import Account, User
from tests.helpers import ServerProcess, wait_for
from tests.upload_center.helpers import MB, RawUpload
from upload_center.models import StoredFile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["uvicorn", "gunicorn"])
def server_any(request: pytest.FixtureRequest) -> ServerProcess:
    """The README's server, then gunicorn over config.wsgi."""
    starter = request.getfixturevalue("start_server" if request.param == "uvicorn" else "start_wsgi_server")
    server: ServerProcess = starter()
    return server


@pytest.fixture
def uploader(make_user: Callable[..., User]) -> User:
    tier = Account.objects.create(title="Big", storage=256 * MB, max_file_transfer=128 * MB)
    return make_user(username="streamer", password="stream-pw-1", account=tier)


@pytest.fixture
def token(uploader: User) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=uploader).key


def answer(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def nothing_kept(server: ServerProcess, user: User, name: str) -> None:
    # The server has closed the connection by now: whatever it logged for the cut is written.
    # A client gone is no server error (gunicorn logs a reset without its errno as one).
    assert "Traceback" not in server.log.read_text()
    wait_for(lambda: not StoredFile.objects.filter(owner=user).exists(), what="the pending row to go")
    user.refresh_from_db()
    assert (user.used_storage, user.reserved_storage) == (0, 0)
    assert server.get(f"/fm/download/streamer/{name}").status_code == 404


def test_an_upload_cut_mid_file_stores_nothing(server_any: ServerProcess, token: str, uploader: User) -> None:
    upload = RawUpload(server_any.url, token, "cut.bin", 16 * MB)
    upload.send_file_bytes(4 * MB)
    wait_for(lambda: StoredFile.objects.filter(owner=uploader).exists(), what="a pending row")
    upload.sock.shutdown(socket.SHUT_WR)  # the client stops sending mid-file

    assert answer(upload.sock) == b""
    upload.sock.close()
    nothing_kept(server_any, uploader, "cut.bin")


def test_an_upload_cut_after_its_closing_boundary_stores_nothing(
    server_any: ServerProcess, token: str, uploader: User
) -> None:
    # A length 100 bytes past the form's end, whose bytes never come.
    upload = RawUpload(server_any.url, token, "short.bin", 4 * MB + 100)
    upload.send_file_bytes(4 * MB)
    wait_for(lambda: StoredFile.objects.filter(owner=uploader).exists(), what="a pending row")
    # The form is whole, but the request said it was longer: the request is not.
    upload.sock.sendall(upload.tail)
    upload.sock.shutdown(socket.SHUT_WR)

    assert answer(upload.sock) == b""
    upload.sock.close()
    nothing_kept(server_any, uploader, "short.bin")
