"""Helpers of the tus tests: a tus client side over a real server, tokens, raw PATCHes, events."""

from __future__ import annotations

import asyncio
import base64
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from config.events import user_group
from tests.helpers import ServerProcess
from tus.models import TusUpload

MiB = 1048576


@dataclass
class TusSide:
    server: ServerProcess
    user: Any
    token: str

    @property
    def url(self) -> str:
        return f"{self.server.url}/tus/"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Tus-Resumable": "1.0.0", "Authorization": f"Token {self.token}", **extra}

    def create(self, length: int, name: str = "notes.bin", **extra: str) -> requests.Response:
        metadata = f"filename {base64.b64encode(name.encode()).decode()}"
        headers = self.headers(**{"Upload-Length": str(length), "Upload-Metadata": metadata, **extra})
        return requests.post(self.url, headers=headers, timeout=30)

    def location(self, length: int, name: str = "notes.bin") -> str:
        response = self.create(length, name)
        assert response.status_code == 201, response.text
        return self.server.url + response.headers["Location"]

    def patch(self, url: str, offset: int, body: bytes, **extra: str) -> requests.Response:
        headers = self.headers(
            **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream", **extra}
        )
        return requests.patch(url, data=body, headers=headers, timeout=60)

    def head(self, url: str) -> requests.Response:
        return requests.head(url, headers=self.headers(), timeout=30)


def token_for(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=user).key


def events_of(user_id: int) -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user_id), channel)
    return layer, channel


def received(layer: Any, channel: str) -> dict[str, Any]:
    async def one() -> dict[str, Any]:
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    return async_to_sync(one)()["event"]


def patch_begin(side: TusSide, url: str, offset: int, length: int) -> socket.socket:
    """A PATCH whose body the caller sends (or does not) on the returned socket."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    head = (
        f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: Token {side.token}\r\nUpload-Offset: {offset}\r\n"
        f"Content-Type: application/offset+octet-stream\r\nContent-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode())
    return sock


def upload_row(url: str) -> TusUpload:
    return TusUpload.objects.get(pk=url.rsplit("/", 1)[1])


def stored_bytes(side: TusSide, name: str) -> bytes:
    response = side.server.get(f"/fm/download/{side.user.username}/{name}")
    assert response.status_code == 200, response.text
    return response.content


def usage(side: TusSide) -> tuple[int, int]:
    side.user.refresh_from_db()
    return side.user.used_storage, side.user.reserved_storage
