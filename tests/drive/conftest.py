"""Fixtures of the drive's tests: a roomy tier and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.drive.helpers import MiB


@pytest.fixture
def drive_tier(db: None) -> Any:
    from account.models import Account

    return Account.objects.create(title="Drive tier", storage=40 * MiB, max_file_transfer=20 * MiB)


@pytest.fixture
def drive_user(make_user: Callable[..., Any], drive_tier: Any) -> Any:
    return make_user("alice", "alice-secret-1", account=drive_tier)


@pytest.fixture
def login() -> Callable[[Any], Client]:
    """A test client logged in through /core.login as the given user."""

    def log_in(user: Any, password: str = "alice-secret-1") -> Client:
        client = Client()
        response = client.post(
            "/core.login", {"username": user.username, "password": password}, content_type="application/json"
        )
        assert response.status_code == 200, response.content
        return client

    return log_in
