"""Helpers of the sharing tests: token clients, the server settings, screenshots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.test import APIClient

from tests.browser import screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

SERVER_ENV = {"DJANGO_SETTINGS_MODULE": "tests.server_settings"}


def token_of(user: Any) -> str:
    from rest_framework.authtoken.models import Token

    return str(Token.objects.get_or_create(user=user)[0].key)


def token_client(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    return client


def shot(page: Page, name: str) -> None:
    screenshot(page, "sharing", name)


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
