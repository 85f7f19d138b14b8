"""A PATCH cut mid-body keeps every byte the server received, under uvicorn and gunicorn:
the client sends part of the body on a raw socket and closes it; on loopback every byte it
sent reaches the server, so HEAD must say exactly that many and the rest completes the file."""

from __future__ import annotations

import os

import pytest

from tests.tus.helpers import MiB, TusSide
from tests.tus.test_interruptions import patch_begin, upload_row, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


# Neither count is on a boundary of the server's reads (256 KiB) or body messages (1 MiB).
@pytest.mark.parametrize("sent", [100_000, 1_500_000 + 12_345])
def test_a_cut_patch_keeps_exactly_the_bytes_sent_before_the_cut(tus_side_any: TusSide, sent: int) -> None:
    data = os.urandom(3 * MiB + 7)
    url = tus_side_any.location(len(data), "lecture.bin")
    sock = patch_begin(tus_side_any, url, 0, len(data))
    sock.sendall(data[:sent])
    wait_for(lambda: upload_row(url).lock_token != "", "the PATCH to be taken")
    sock.close()  # the client's connection drops mid-body
    wait_for(lambda: upload_row(url).lock_token == "", "the server to notice the cut")

    assert int(tus_side_any.head(url).headers["Upload-Offset"]) == sent
    assert tus_side_any.patch(url, sent, data[sent:]).status_code == 204
    assert tus_side_any.server.get("/fm/download/kian/lecture.bin").content == data
