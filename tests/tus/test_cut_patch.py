"""A PATCH cut mid-body keeps every byte the server received, under uvicorn and gunicorn:
the client sends part of the body on a raw socket and closes it; on loopback every byte it
sent reaches the server, so HEAD must say exactly that many and the rest completes the file.
The cut PATCH itself gets no answer and announces no progress: it did not succeed."""

from __future__ import annotations

import os
import socket

import pytest

from tests.helpers import wait_for
from tests.tus.helpers import MiB, TusSide, events_of, patch_begin, received, upload_row

pytestmark = pytest.mark.django_db(transaction=True)


# Neither count is on a boundary of the server's reads (256 KiB) or body messages (1 MiB).
@pytest.mark.parametrize("sent", [100_000, 1_500_000 + 12_345])
def test_a_cut_patch_keeps_exactly_the_bytes_sent_before_the_cut(tus_side_any: TusSide, sent: int) -> None:
    data = os.urandom(3 * MiB + 7)
    url = tus_side_any.location(len(data), "lecture.bin")
    sock = patch_begin(tus_side_any, url, 0, len(data))
    sock.sendall(data[:sent])
    wait_for(lambda: upload_row(url).lock_token != "", what="the PATCH to be taken")
    sock.close()  # the client's connection drops mid-body
    wait_for(lambda: upload_row(url).lock_token == "", what="the server to notice the cut")

    assert int(tus_side_any.head(url).headers["Upload-Offset"]) == sent
    assert tus_side_any.patch(url, sent, data[sent:]).status_code == 204
    assert tus_side_any.server.get("/fm/download/kian/lecture.bin").content == data


def answer(sock: socket.socket) -> bytes:
    """What the server writes back before it closes the connection."""
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def test_a_patch_whose_body_ends_short_gets_no_answer(tus_side_any: TusSide) -> None:
    url = tus_side_any.location(3 * MiB, "lecture.bin")
    sock = patch_begin(tus_side_any, url, 0, 3 * MiB)
    sock.sendall(os.urandom(100_000))
    wait_for(lambda: upload_row(url).lock_token != "", what="the PATCH to be taken")
    # The client stops sending, still listening: a 204 would tell it the PATCH succeeded.
    sock.shutdown(socket.SHUT_WR)

    assert answer(sock) == b""
    sock.close()
    wait_for(lambda: upload_row(url).lock_token == "", what="the server to be done with the PATCH")
    assert int(tus_side_any.head(url).headers["Upload-Offset"]) == 100_000


@pytest.mark.redis  # the test hears the server's events through Redis
def test_a_cut_patch_announces_no_progress(tus_side_any: TusSide) -> None:
    data = os.urandom(3 * MiB)
    url = tus_side_any.location(len(data), "lecture.bin")
    layer, channel = events_of(tus_side_any.user.pk)
    sock = patch_begin(tus_side_any, url, 0, len(data))
    sock.sendall(data[:100_000])
    wait_for(lambda: upload_row(url).lock_token != "", what="the PATCH to be taken")
    sock.close()
    wait_for(lambda: upload_row(url).lock_token == "", what="the server to notice the cut")
    assert tus_side_any.patch(url, 100_000, data[100_000:]).status_code == 204

    # Events come in the order they were sent: progress from the cut PATCH would come first.
    upload_id, size = url.rsplit("/", 1)[1], len(data)
    assert [received(layer, channel) for _ in range(2)] == [
        {"kind": "UPLOAD_PROGRESS", "upload_id": upload_id, "total_size": size, "uploaded_size": size},
        {"kind": "UPLOAD_FINISH", "upload_id": upload_id},
    ]
