"""Username and password login for the usernames a user can have."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from account.models import User


class UsernameBackend(ModelBackend):
    """Django's ModelBackend, refusing a username with a NUL byte before its lookup:
    PostgreSQL raises on NUL in a query parameter (a 500 instead of a failed login)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None and "\x00" in str(username):
            return None
        user = super().authenticate(request, username, password, **kwargs)
        return user if isinstance(user, User) else None
