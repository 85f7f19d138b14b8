"""The streaming multipart parser, fed the way a socket feeds it: in pieces of any size."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.test import override_settings
from rest_framework.exceptions import ParseError

from upload_center.multipart import READ_SIZE, StreamingMultiPartParser

BOUNDARY = "----formboundary7MA4YWxkTrZu0gW"


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if filename is not None:
        head += "Content-Type: application/octet-stream\r\n"
    return head.encode() + b"\r\n" + data + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class Pieces(io.RawIOBase):
    """A stream that returns at most ``size`` bytes per read, like a socket."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.pos, self.size = data, 0, size
        self.returned: list[bytes] = []

    def read(self, n: int = -1) -> bytes:
        chunk = self.data[self.pos : self.pos + min(n, self.size)]
        self.pos += len(chunk)
        self.returned.append(chunk)
        return chunk


class Recorder(FileUploadHandler):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytearray] = {}
        self.chunks: list[Any] = []
        self.events: list[str] = []

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        self.current = file_name
        self.files[file_name] = bytearray()
        self.events.append(f"new {field_name} {file_name}")

    def receive_data_chunk(self, raw_data: Any, start: int) -> None:
        assert start == len(self.files[self.current])
        self.files[self.current] += raw_data
        self.chunks.append(raw_data)

    def file_complete(self, file_size: int) -> None:
        assert file_size == len(self.files[self.current])
        self.events.append(f"complete {self.current} {file_size}")

    def upload_interrupted(self) -> None:
        self.events.append("interrupted")

    def upload_complete(self) -> None:
        self.events.append("done")


def parse(
    stream: Any, handler: Recorder, content_type: str = f"multipart/form-data; boundary={BOUNDARY}"
) -> Any:
    request = type("Request", (), {"upload_handlers": [handler], "META": {"CONTENT_LENGTH": "0"}})()
    return StreamingMultiPartParser().parse(stream, content_type, {"request": request, "encoding": "utf-8"})


@pytest.mark.parametrize("piece", [1, 7, 4099, READ_SIZE])
def test_files_and_fields_come_out_byte_exact_whatever_the_piece_size(piece: int) -> None:
    first = bytes(range(256)) * 40 + b"\r\n--" + BOUNDARY[:-1].encode()  # a near-boundary inside the data
    second = b"\r\n" * 5000
    handler = Recorder()
    result = parse(
        Pieces(
            body(part("note", "привет".encode()), part("f", first, "a.bin"), part("f", second, "b.bin")),
            piece,
        ),
        handler,
    )
    assert handler.files == {"a.bin": first, "b.bin": second}
    assert result.data["note"] == "привет"
    assert handler.events == [
        "new f a.bin",
        f"complete a.bin {len(first)}",
        "new f b.bin",
        f"complete b.bin {len(second)}",
        "done",
    ]


def test_a_chunk_of_file_data_reaches_the_handler_without_a_copy() -> None:
    data = b"x" * (3 * READ_SIZE)
    raw = body(part("f", data, "big.bin"))
    stream = Pieces(raw, READ_SIZE)
    handler = Recorder()
    parse(stream, handler)
    assert handler.files["big.bin"] == data
    # Every read that held only file data was handed over as the same object.
    inner = [
        chunk for chunk in stream.returned[1:] if len(chunk) == READ_SIZE and chunk.count(b"x") == READ_SIZE
    ]
    assert inner
    assert all(any(given is chunk for given in handler.chunks) for chunk in inner)


def test_a_body_cut_before_the_closing_boundary_is_refused_and_the_handlers_told() -> None:
    handler = Recorder()
    raw = body(part("f", b"half of it", "a.bin"))
    with pytest.raises(ParseError):
        parse(Pieces(raw[: raw.index(b"half") + 4], 5), handler)
    assert handler.events == ["new f a.bin", "interrupted"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", 'multipart/form-data; boundary=""'])
def test_a_missing_boundary_is_a_parse_error(content_type: str) -> None:
    with pytest.raises(ParseError):
        parse(Pieces(b"", 10), Recorder(), content_type)


def test_sent_names_lose_their_paths_and_dot_names_reach_the_handler_to_be_refused() -> None:
    handler = Recorder()
    parts = [part("f", b"1", "C:\\Users\\me\\x.txt"), part("f", b"2", ".."), part("f", b"3", "a/.")]
    parse(Pieces(body(*parts), 64), handler)
    assert handler.files == {"x.txt": bytearray(b"1"), "..": bytearray(b"2"), ".": bytearray(b"3")}


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=2)
def test_more_files_than_the_setting_allows_are_refused() -> None:
    with pytest.raises(TooManyFilesSent):
        parse(Pieces(body(*(part("f", b"1", f"{i}.txt") for i in range(3))), 64), Recorder())
