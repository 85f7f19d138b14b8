"""Fixtures of the sharing tests: a teacher with stored files, token clients, links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sharing.helpers import token_client
from tests.upload_center.helpers import CONTENT_TYPE, multipart


@pytest.fixture(autouse=True)
def _fast_hashes(settings: Any) -> None:
    # Link passwords are hashed with the servers' hasher (tests/server_settings.py):
    # the default PBKDF2 costs most of a second per check on a shared machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(make_user: Callable[..., Any]) -> Any:
    return make_user("alice", "alice-secret-1")


@pytest.fixture
def bob(make_user: Callable[..., Any]) -> Any:
    return make_user("bob", "bob-secret-1")


@pytest.fixture
def store() -> Callable[..., Any]:
    """Stores a file through /fm/upload/ and gives its row."""
    from upload_center.models import StoredFile

    def put(user: Any, name: str, data: bytes) -> Any:
        answer = token_client(user).generic(
            "PUT", "/fm/upload/", multipart([(name, data)]), content_type=CONTENT_TYPE
        )
        assert answer.status_code == 200, answer.content
        return StoredFile.objects.get(owner=user, name=name)

    return put


@pytest.fixture
def link_make() -> Callable[..., Any]:
    from sharing.models import TIER_DEFAULT
    from sharing.services import share_link_create

    def make(row: Any, **options: Any) -> Any:
        options.setdefault("expires_at", TIER_DEFAULT)
        return share_link_create(owner=row.owner, file=row, **options)

    return make
