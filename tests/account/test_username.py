"""Usernames name storage folders: ones that are not a safe folder name are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from account.models import Account, User

UNSAFE = [".", "..", ".hidden", "a/b", "a\\b", "bell\x07", "line\nbreak", "../up"]


@pytest.fixture
def admin_client_(db: None) -> Client:
    admin = User.objects.create_superuser(username="root", password="x-secret-9")
    client = Client()
    client.force_login(admin)
    return client


def admin_add(client: Client, username: str) -> Any:
    tier = Account.objects.get(title="Free")
    return client.post(
        "/admin/account/user/add/",
        {
            "username": username,
            "password1": "A-long-secret-91",
            "password2": "A-long-secret-91",
            "usable_password": "true",
            "account": str(tier.pk),
        },
    )


@pytest.mark.parametrize("username", UNSAFE)
def test_the_admin_refuses_a_username_that_is_not_a_safe_folder_name(
    admin_client_: Client, username: str
) -> None:
    response = admin_add(admin_client_, username)

    assert response.status_code == 200  # the form again, with its error
    assert "may not start with a dot" in response.content.decode()
    assert not User.objects.filter(username=username).exists()


def test_the_admin_adds_a_user_whose_name_has_a_dot_inside(admin_client_: Client) -> None:
    response = admin_add(admin_client_, "kian.rahimi")

    assert response.status_code == 302
    assert User.objects.filter(username="kian.rahimi").exists()


@pytest.mark.parametrize("username", UNSAFE)
def test_createsuperuser_refuses_a_username_that_is_not_a_safe_folder_name(
    db: None, monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "A-long-secret-91")

    with pytest.raises(CommandError, match="may not start with a dot"):
        call_command("createsuperuser", interactive=False, username=username, email="root@example.com")

    assert not User.objects.filter(username=username).exists()


def test_createsuperuser_still_creates_a_safe_name(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "A-long-secret-91")

    call_command("createsuperuser", interactive=False, username="head.teacher", email="root@example.com")

    assert User.objects.get(username="head.teacher").is_superuser


@pytest.mark.parametrize("username", [".", "..", ".hidden"])
def test_create_user_refuses_it_too(db: None, username: str) -> None:
    with pytest.raises(ValidationError):
        User.objects.create_user(username=username, password="A-long-secret-91")
    assert not User.objects.filter(username=username).exists()
