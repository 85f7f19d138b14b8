"""Helpers of the account tests."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password


def students(count: int, tier: Any) -> list[tuple[str, str]]:
    from account.models import User

    logins = [(f"student{n:03}", f"pw-{n:03}-secret") for n in range(count)]
    User.objects.bulk_create(
        User(username=name, password=make_password(password), account=tier) for name, password in logins
    )
    return logins
