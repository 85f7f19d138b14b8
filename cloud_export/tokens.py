"""A job's OAuth tokens: the access token, renewed with the refresh token when it expires."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from social_core.exceptions import AuthProviderError, SocialAuthBaseException

from cloud_export.crypto import token_decrypt, token_encrypt
from cloud_export.exceptions import ExportFailed
from cloud_export.models import ExportJob
from cloud_export.oauth import oauth_backend

# Errors of social-auth that a later try may not repeat.
TRANSIENT_OAUTH_CODES = {"timeout", "connection_failed", "rate_limited", "unavailable", "tls_error"}


def token_expiry(tokens: dict[str, Any]) -> datetime | None:
    """When an access token from the provider's answer expires (None: not said)."""
    try:
        return timezone.now() + timedelta(seconds=int(tokens["expires_in"]))
    except (KeyError, TypeError, ValueError):
        return None


class JobTokens:
    """The job's access token, renewed with its refresh token when it expires (shared by a job's threads)."""

    def __init__(self, job: ExportJob) -> None:
        self._job_id = job.pk
        self._cloud_type = job.export_request.cloud_type
        self._access = token_decrypt(job.access_token_encrypted)
        self._refresh = token_decrypt(job.refresh_token_encrypted)
        self._expires = job.token_expires_at
        self._lock = threading.Lock()

    def current(self) -> str:
        with self._lock:
            # A minute early, so a token does not expire between the check and a long upload.
            if self._expires and self._expires - timezone.now() < timedelta(seconds=60):
                self._renew()
            return self._access

    def renew(self, stale: str) -> str:
        with self._lock:
            if self._access == stale:
                self._renew()
            return self._access

    def _renew(self) -> None:
        if not self._refresh:
            raise ExportFailed("the access token expired and there is no refresh token", permanent=True)
        backend = oauth_backend(cloud_type=self._cloud_type)
        try:
            tokens = backend.refresh_token(self._refresh)
        except SocialAuthBaseException as e:
            transient = isinstance(e, AuthProviderError) and getattr(e, "code", "") in TRANSIENT_OAUTH_CODES
            raise ExportFailed(f"token refresh failed: {e}", permanent=not transient) from e
        self._access = str(tokens["access_token"])
        self._refresh = str(tokens.get("refresh_token") or self._refresh)
        self._expires = token_expiry(tokens)
        ExportJob.objects.filter(pk=self._job_id).update(
            access_token_encrypted=token_encrypt(self._access),
            refresh_token_encrypted=token_encrypt(self._refresh),
            token_expires_at=self._expires,
        )
