"""A real server (the README's uvicorn command) and a user with a token, for tus clients."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.conftest import ServerProcess

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


@pytest.fixture
def roomy_tier(db: None) -> Any:
    from account.models import Account

    return Account.objects.create(title="Roomy", storage=64 * MiB, max_file_transfer=32 * MiB)


@pytest.fixture
def tus_side(
    transactional_db: None,
    start_server: Callable[..., ServerProcess],
    make_user: Callable[..., Any],
    roomy_tier: Any,
) -> TusSide:
    user = make_user("kian", account=roomy_tier)
    return TusSide(server=start_server(), user=user, token=token_for(user))
