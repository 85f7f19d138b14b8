"""A username no user can have (a NUL byte) is a failed login, not a 500.

PostgreSQL refuses a NUL byte in a query parameter; schema fuzzing found the 500
on ``POST /core.login``. Both test passes run these; the 500 shows only on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def kian(make_user: Callable[..., Any]) -> Any:
    return make_user("kian")


@pytest.mark.parametrize("username", ["ki\x00an", "\x00"])
def test_the_drive_login_refuses_it_as_wrong_credentials(username: str) -> None:
    response = Client().post(
        "/core.login", {"username": username, "password": "ak18-secret"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["status"]) == (403, "forbidden")


@pytest.mark.parametrize("username", ["ki\x00an", "\x00"])
def test_the_upload_center_login_refuses_it_as_wrong_credentials(username: str) -> None:
    response = Client().post(
        "/fm/login/", {"username": username, "password": "ak18-secret"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
