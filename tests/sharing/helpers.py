"""Helpers of the sharing tests: token clients and the server settings."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

SERVER_ENV = {"DJANGO_SETTINGS_MODULE": "tests.server_settings"}


def token_of(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    return str(Token.objects.get_or_create(user=user)[0].key)


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    return client
