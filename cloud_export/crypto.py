"""Encryption of stored OAuth tokens with FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def token_encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode() if value else ""


def token_decrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(value.encode()).decode() if value else ""
