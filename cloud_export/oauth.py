"""social-auth backends for the export, with endpoints from settings.

Only the library's OAuth steps are used (authorization URL, code exchange,
refresh, user info): an export grants access to a cloud, it logs nobody in, so
the login pipeline does not run.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from social_core.backends.google import GoogleOAuth2
from social_core.backends.oauth import BaseOAuth2
from social_core.backends.yandex import YandexOAuth2
from social_django.utils import load_strategy

from cloud_export.models import CloudType


class _BoundState:
    """The OAuth state is the export request's own, not one kept in a session."""

    bound_state: str | None = None

    def get_or_create_state(self) -> str | None:
        return self.bound_state


class GoogleDriveOAuth2(_BoundState, GoogleOAuth2):
    DEFAULT_SCOPE = ["openid", "email", "https://www.googleapis.com/auth/drive.file"]

    def authorization_url(self) -> str:
        return settings.GOOGLE_OAUTH_AUTHORIZE_URL

    def access_token_url(self) -> str:
        return settings.GOOGLE_OAUTH_TOKEN_URL

    def auth_extra_arguments(self) -> dict[str, str]:
        # Without both, Google gives no refresh token and a long export dies after an hour.
        return {"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"}

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return self.get_json(
            settings.GOOGLE_OAUTH_USERINFO_URL, headers={"Authorization": f"Bearer {access_token}"}
        )


class YandexDiskOAuth2(_BoundState, YandexOAuth2):
    DEFAULT_SCOPE = ["cloud_api:disk.write", "cloud_api:disk.read"]

    def authorization_url(self) -> str:
        return settings.YANDEX_OAUTH_AUTHORIZE_URL

    def access_token_url(self) -> str:
        return settings.YANDEX_OAUTH_TOKEN_URL

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return self.get_json(
            settings.YANDEX_OAUTH_USERINFO_URL,
            params={"format": "json"},
            headers={"Authorization": f"OAuth {access_token}"},
        )


BACKENDS: dict[str, type[BaseOAuth2]] = {
    CloudType.GOOGLE_DRIVE: GoogleDriveOAuth2,
    CloudType.YADISK: YandexDiskOAuth2,
}


def cloud_enabled(cloud_type: str) -> bool:
    if cloud_type == CloudType.GOOGLE_DRIVE:
        return bool(settings.GOOGLE_OAUTH_CLIENT_ID and settings.GOOGLE_OAUTH_CLIENT_SECRET)
    if cloud_type == CloudType.YADISK:
        return bool(settings.YANDEX_OAUTH_CLIENT_ID and settings.YANDEX_OAUTH_CLIENT_SECRET)
    return False


def oauth_backend(
    *,
    cloud_type: str,
    request: HttpRequest | None = None,
    redirect_uri: str | None = None,
    state: str | None = None,
) -> BaseOAuth2:
    backend = BACKENDS[cloud_type](load_strategy(request), redirect_uri=redirect_uri)
    backend.bound_state = state  # type: ignore[attr-defined]
    return backend
