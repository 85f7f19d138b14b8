"""Helpers of the tus tests: a tus client side over a real server, tokens."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import requests

from tests.helpers import ServerProcess

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
