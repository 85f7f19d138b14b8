"""Clients of a running drive server that the tests drive byte by byte."""

from __future__ import annotations

import contextlib
import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from websockets.sync.client import ClientConnection, connect

BOUNDARY = "drive-test-boundary-7MA4YWxkTrZu0gW"


def session_cookie(url: str, username: str, password: str) -> str:
    response = requests.post(
        f"{url}/core.login", json={"username": username, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.cookies["sessionid"]


@contextlib.contextmanager
def open_socket(url: str, cookie: str) -> Iterator[ClientConnection]:
    """The drive's WebSocket of a running server, past its INITIAL frame."""
    with connect(
        url.replace("http://", "ws://") + "/core.ws_connect",
        origin=url,
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=10,
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["kind"] == "INITIAL"
        yield ws


def frames_until_finish(ws: ClientConnection) -> list[dict[str, Any]]:
    """The frames up to and including the next UPLOAD_FINISH."""
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1]["kind"] != "UPLOAD_FINISH":
        frames.append(json.loads(ws.recv(timeout=30)))
    return frames


class UploadStream:
    """One POST /files.upload whose body is sent piece by piece, so a test can
    look at the server (or cut the connection) halfway through."""

    def __init__(self, url: str, cookie: str, *, name: str, size: int, upload_id: str | None = None) -> None:
        self.upload_id = upload_id or str(uuid.uuid4())
        self.head = (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.connection.putrequest("POST", "/files.upload")
        self.connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        self.connection.putheader("Content-Length", str(len(self.head) + size + len(self.tail)))
        self.connection.putheader("Cookie", f"sessionid={cookie}")
        self.connection.putheader("X-Upload-Id", self.upload_id)
        self.connection.endheaders()
        self.connection.send(self.head)

    def send(self, data: bytes) -> None:
        self.connection.send(data)

    def finish(self) -> tuple[int, dict[str, Any]]:
        self.connection.send(self.tail)
        response = self.connection.getresponse()
        body = json.loads(response.read())
        self.connection.close()
        return response.status, body

    def cut(self) -> None:
        """Drop the connection mid-body, as a closed laptop lid would."""
        assert self.connection.sock is not None
        self.connection.sock.close()
